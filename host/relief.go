package host

import (
	"time"
)

// Relief: a shard whose every server is in a turn while instances wait
// gets another server, when a processor is free or the turns are stuck.
//
// A processor is free when fewer goroutines serve shards, over all shards,
// than GOMAXPROCS (a sleeping shard goroutine does not count). Without
// this, a latency-bound tenant whose message lands on a shard busy with
// another tenant's turn waits that turn out while the other shard's
// processor idles: two honest ping-pong tenants on two cores got 0.66-0.73x
// of their solo throughput next to each other, 0.87-1.17x with it.
//
// A stuck shard (every server in one turn for over reliefAfter) gets one
// even with no processor free, the way Go's own runtime hands a processor
// on when a thread blocks in a system call. A guest cannot be preempted
// mid-step — wazero's compiled code is not preemptible and the guest's
// collector runs inside the step — so the neighbours of a tenant whose
// steps turn slow are served by another goroutine instead of waiting the
// step out. A push that finds its shard in need starts one at once; the
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

// lend is called by a shard's goroutine that found nothing to do and went
// to sleep: the processor it frees goes to a shard whose instances wait
// behind a turn.
func (rt *Runtime) lend(now int64) {
	for _, s := range rt.shards {
		if rt.awake.Load() >= rt.procs {
			return
		}
		if s.waiting.Load() == 0 {
			continue
		}
		s.mu.Lock()
		if s.runq.ready() && s.needsReliefLocked(now, nil) {
			s.startReliefLocked()
		}
		s.mu.Unlock()
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
	if s.runq.ready() && s.needsReliefLocked(now, nil) {
		s.startReliefLocked()
	}
	return busy
}

// needsReliefLocked reports whether every server of s but except is in a
// turn and either a processor is free or they are stuck. The caller holds
// s.mu.
func (s *shard) needsReliefLocked(now int64, except *server) bool {
	if s.inTurnLocked(now, except, reliefAfter) {
		return true // stuck
	}
	awake := s.rt.awake.Load()
	if except != nil {
		awake-- // the relief server asking is counted awake: its processor is the free one
	}
	return awake < s.rt.procs && s.inTurnLocked(now, except, 0)
}

// inTurnLocked reports whether every server of s but except has been in
// its current turn for longer than over (for any time, if over is 0). The
// caller holds s.mu.
func (s *shard) inTurnLocked(now int64, except *server, over time.Duration) bool {
	for _, sv := range s.servers {
		if sv == except {
			continue
		}
		since := sv.since.Load()
		if since == 0 || over > 0 && time.Duration(now-since) <= over {
			return false
		}
		if over == 0 && sv.stealing.Load() && time.Duration(now-since) <= stealGrace {
			return false // in a turn of another shard's, about to come back (steal.go)
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
	s.rt.awake.Add(1)
	// Not racing Close's Wait: every server of s was seen in a turn under
	// s.mu, and a server passes s.mu after its turn before it can end.
	s.rt.loops.Add(1)
	go s.relief(sv)
}

// relief serves s's run queue while every other server of s is in a turn
// and a processor is free, or they are stuck; then it ends. It leaves calls
// to the shard's own goroutine.
func (s *shard) relief(sv *server) {
	defer s.rt.loops.Done()
	defer s.drop(sv)
	for s.othersNeedRelief(sv) {
		select {
		case <-s.rt.done:
			return
		default:
		}
		now := time.Now()
		in := s.pop(now)
		if in == nil {
			return
		}
		s.turn(sv, in, nil, now)
	}
}

func (s *shard) othersNeedRelief(sv *server) bool {
	now := time.Now().UnixNano()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.needsReliefLocked(now, sv)
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
	s.rt.awake.Add(-1)
	s.wakeLocked()
	s.mu.Unlock()
}
