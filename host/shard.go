package host

import (
	"sync"
	"sync/atomic"
	"time"
)

// shard is one scheduler goroutine and the instances it owns. Instances with
// work wait in its run queue; each gets one turn (one Step with its tenant's
// cpu_turn budget) at a time, the one that has used the shard least first
// (see runQueue), and a busy instance ends its turn early when others wait
// (see instance.Tick), so no tenant starves the others.
type shard struct {
	id      int
	rt      *Runtime
	mu      sync.Mutex
	runq    runQueue
	waiting atomic.Int32 // runq.Len(), readable without the lock
	calls   []func()     // run between turns (see call)
	wake    chan struct{}
}

func (s *shard) push(in *instance) {
	s.mu.Lock()
	s.runq.push(in)
	s.waiting.Store(int32(s.runq.Len()))
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// call runs fn on the shard's goroutine between two turns and waits for it:
// the only safe moment to call into an instance from outside.
func (s *shard) call(fn func()) {
	done := make(chan struct{})
	s.mu.Lock()
	s.calls = append(s.calls, func() { fn(); close(done) })
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	select {
	case <-done:
	case <-s.rt.done:
	}
}

func (s *shard) pop() *instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.runq.pop()
	s.waiting.Store(int32(s.runq.Len()))
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
		s.mu.Lock()
		calls := s.calls
		s.calls = nil
		s.mu.Unlock()
		for _, fn := range calls {
			fn()
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
		start := time.Now()
		again := in.turn()
		s.mu.Lock()
		s.runq.charge(in, time.Since(start))
		s.mu.Unlock()
		if again {
			s.push(in)
		}
	}
}
