package host

import (
	"time"
)

// Relief: a shard whose every server is stuck in a long turn while
// instances wait gets another server, the way Go's own runtime hands a
// processor on when a thread blocks in a system call. A guest cannot be
// preempted mid-step — wazero's compiled code is not preemptible and the
// guest's collector runs inside the step — so the neighbours of a tenant
// whose steps turn slow are served by another goroutine instead of waiting
// the step out. A push that finds its shard stuck starts one at once; the
// watchdog catches instances that were queued before the turn got long.
const (
	// reliefAfter is how long a turn runs before its shard counts as stuck:
	// one tick period (the guest's tickWall): a turn ends at its first tick
	// once others wait, so one still running after that is in work no tick
	// can interrupt.
	reliefAfter = 500 * time.Microsecond
	// reliefCheck is how often the watchdog looks while shards are busy.
	reliefCheck = 250 * time.Microsecond
	// idleCheck is how often it looks after a second without a turn.
	idleCheck = 50 * time.Millisecond
	// maxServers bounds the goroutines serving one shard: a tenant with
	// many slow instances gets a few more threads of CPU, not one each.
	maxServers = 4
)

// watch runs until the runtime closes.
func (rt *Runtime) watch() {
	defer rt.loops.Done()
	timer := time.NewTimer(reliefCheck)
	defer timer.Stop()
	quiet := time.Duration(0)
	for {
		select {
		case <-rt.done:
			return
		case <-timer.C:
		}
		busy := false
		now := time.Now().UnixNano()
		for _, s := range rt.shards {
			if s.relieve(now) {
				busy = true
			}
		}
		if busy {
			quiet = 0
		} else {
			quiet += reliefCheck
		}
		if quiet >= time.Second {
			timer.Reset(idleCheck)
		} else {
			timer.Reset(reliefCheck)
		}
	}
}

// relieve starts another server for s if instances wait and every server
// is stuck. It reports whether any server of s is in a turn.
func (s *shard) relieve(now int64) (busy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sv := range s.servers {
		if sv.since.Load() != 0 {
			busy = true
		}
	}
	if s.runq.Len() > 0 && s.stuckLocked(now, nil) {
		s.startReliefLocked()
	}
	return busy
}

// stuckLocked reports whether every server of s but except has been in one
// turn for longer than reliefAfter. The caller holds s.mu.
func (s *shard) stuckLocked(now int64, except *server) bool {
	for _, sv := range s.servers {
		if sv == except {
			continue
		}
		if since := sv.since.Load(); since == 0 || time.Duration(now-since) <= reliefAfter {
			return false
		}
	}
	return true
}

// startReliefLocked starts a relief server for s, up to maxServers. The
// caller holds s.mu.
func (s *shard) startReliefLocked() {
	if len(s.servers) >= maxServers {
		return
	}
	select {
	case <-s.rt.done:
		return
	default:
	}
	sv := &server{}
	s.servers = append(s.servers, sv)
	// Not racing Close's Wait: every server of s was seen in a turn under
	// s.mu, and a server passes s.mu after its turn before it can end.
	s.rt.loops.Add(1)
	go s.relief(sv)
}

// relief serves s's run queue while every other server of s is stuck, then
// ends. It leaves calls to the shard's own goroutine.
func (s *shard) relief(sv *server) {
	defer s.rt.loops.Done()
	defer s.drop(sv)
	for s.othersStuck(sv) {
		select {
		case <-s.rt.done:
			return
		default:
		}
		in := s.pop()
		if in == nil {
			return
		}
		s.turn(sv, in)
	}
}

func (s *shard) othersStuck(sv *server) bool {
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stuckLocked(now, sv)
}

// drop ends relief server sv and wakes the shard's goroutine, which may
// have calls waiting for the relief to end.
func (s *shard) drop(sv *server) {
	s.mu.Lock()
	for i, o := range s.servers {
		if o == sv {
			s.servers = append(s.servers[:i], s.servers[i+1:]...)
			break
		}
	}
	s.mu.Unlock()
	s.signal()
}
