package host

import "sync"

// shard is one scheduler goroutine and the instances it owns. Instances with
// work wait in its run queue; each gets one turn (one Step with the turn
// budget) at a time, round robin, so a busy tenant cannot starve the others.
type shard struct {
	id     int
	rt     *Runtime
	mu     sync.Mutex
	runq   []*instance
	wake   chan struct{}
	budget int64
}

func (s *shard) push(in *instance) {
	s.mu.Lock()
	s.runq = append(s.runq, in)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *shard) pop() *instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runq) == 0 {
		return nil
	}
	in := s.runq[0]
	s.runq[0] = nil
	s.runq = s.runq[1:]
	return in
}

func (s *shard) loop() {
	defer s.rt.loops.Done()
	for {
		select {
		case <-s.rt.done:
			return
		default:
		}
		in := s.pop()
		if in == nil {
			select {
			case <-s.wake:
				continue
			case <-s.rt.done:
				return
			}
		}
		in.turn(s.budget)
	}
}
