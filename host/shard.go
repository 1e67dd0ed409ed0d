package host

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// shard is one scheduler goroutine and the instances it owns. Instances with
// work wait in its run queue; each gets one turn (one Step with its tenant's
// cpu_turn budget) at a time, the one that has used the shard least first
// (see runQueue), and a busy instance ends its turn early when others wait
// (see instance.Tick), so no tenant starves the others.
//
// While every goroutine serving a shard is in a turn and instances wait,
// another starts to serve them (relief.go) if a processor is free, or if
// the turns are stuck: a turn can outlast its budget, since the guest's
// garbage collector runs inside whatever step allocates, unmetered and
// unpreemptible (a tenant holding 48 MiB of small tables made steps of
// 10-100 ms). An instance is only ever stepped by one goroutine at a time,
// never the shard.
type shard struct {
	id      int
	rt      *Runtime
	mu      sync.Mutex
	runq    runQueue
	waiting atomic.Int32  // runq.Len(), readable without the lock
	turns   atomic.Uint64 // turns ended (Runtime.turns)
	calls   []func()      // run between turns (see call)
	wake    chan struct{}
	servers []*server // guarded by mu; servers[0] is the shard's own goroutine

	// sleeping: the shard's own goroutine waits on wake with nothing to do
	// and is not counted in Runtime.awake (guarded by mu). Whoever gives it
	// work counts it awake again before waking it, so the count includes a
	// goroutine woken but not yet running, which wants a processor too.
	sleeping bool

	// idleSpell is the expected time from running out of work to the next
	// work, and pollFor how long the next poll lasts (learnIdle); only the
	// shard's own goroutine uses them.
	idleSpell, pollFor time.Duration
}

// server is one goroutine taking turns from a shard's run queue.
type server struct {
	since atomic.Int64 // when its current turn began (UnixNano), 0 between turns

	// A shard's own goroutine also keeps the wakes its turns owe, the
	// server it registers on a sleeping shard to take a turn there, and
	// whether it is in such a turn (steal.go).
	debts
	thief    *server
	stealing atomic.Bool
}

// push queues in. by is the instance whose turn made the work (a send, a
// spawn, a call's reply), or nil: if in's shard sleeps, the goroutine
// taking that turn may owe the wake-up instead of paying it now (steal.go).
func (s *shard) push(in *instance, by *instance) {
	s.mu.Lock()
	s.runq.push(in)
	s.waiting.Store(int32(s.runq.Len()))
	if s.sleeping && by.owe(s) {
		s.mu.Unlock()
		return
	}
	// The clock is read only when the shard's goroutine is awake: a push
	// per message.
	if !s.wakeLocked() && !in.running && s.needsReliefLocked(time.Now().UnixNano(), nil) {
		s.startReliefLocked() // the watchdog would see a stuck shard only at its next check
	}
	s.mu.Unlock()
}

// call runs fn on the shard's goroutine between two turns, when no relief
// server is in one either, and waits for it: the only safe moment to call
// into an instance from outside.
func (s *shard) call(fn func()) {
	done := make(chan struct{})
	s.mu.Lock()
	s.calls = append(s.calls, func() { fn(); close(done) })
	s.wakeLocked()
	s.mu.Unlock()
	select {
	case <-done:
	case <-s.rt.done:
	}
}

// pop takes the next instance to step; now is the clock read just before,
// which the turn takes as its start. An instance can be queued while a
// turn of it runs on another server (its processes posted to each other):
// it is left to that server, which queues it again when its turn ends. An
// instance of a tenant past its cpu_rate is parked until its bucket refills.
func (s *shard) pop(now time.Time) *instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		in := s.runq.pop()
		switch {
		case in == nil:
			s.waiting.Store(0)
			return nil
		case in.running:
			in.requeue = true
		default:
			if d := max(in.tenant.cpu.wait(), in.tenant.rt.shareWait(in.tenant.share, now)); d > 0 {
				// Out of the queue until its tenant's bucket (cpu_rate, or
				// its fair share while others want the processors)
				// refills. It still
				// counts as queued for whoever posts to it (instance.queued
				// stays set), so nothing else queues it meanwhile.
				time.AfterFunc(d, func() { s.push(in, nil) })
				continue
			}
			if !in.tenant.rt.admit(in.tenant.share, in, now) {
				// The tenant holds its share of the processors in turns
				// on other shards: parked with it (still counted as
				// queued) until one of them ends.
				continue
			}
			in.running = true
			s.waiting.Store(int32(s.runq.Len()))
			return in
		}
	}
}

// turn gives in one turn on server sv and queues it again if it has more.
// home is the shard goroutine's own server when a shard's own goroutine
// takes the turn (its own shard's or a stolen one), nil for a relief
// server: the wakes the turn defers are owed to home (steal.go). start is
// the clock read for pop: a hop across shards is two turns, and each clock
// read is ~40 ns of a native hop's ~1.7 µs.
func (s *shard) turn(sv *server, in *instance, home *server, start time.Time) {
	sv.since.Store(start.UnixNano())
	if home != nil {
		in.stepper.Store(home)
	}
	again, busy := in.turn()
	if home != nil {
		home.endTurn(in)
	}
	sv.since.Store(0)
	s.turns.Add(1) // before running is cleared: see Runtime.Blocked
	now := time.Now()
	in.tenant.rt.spendShare(in.tenant.share, now.Sub(start), now)
	s.mu.Lock()
	s.runq.charge(in, now.Sub(start))
	in.running = false
	if again || in.requeue {
		in.requeue = false
		s.runq.push(in)
		s.waiting.Store(int32(s.runq.Len()))
		// The shard's own goroutine may be asleep: this may be a relief
		// server about to end.
		s.wakeLocked()
	}
	s.mu.Unlock()
	if f := in.tenant.share; f != nil && f.busy.Load() != busy {
		f.busy.Store(busy) // read first: a line every shard writes at each turn stays shared while it holds
	}
	if next := in.tenant.share.release(); next != nil {
		next.shard.push(next, nil)
	}
}

// wakeLocked wakes the shard's own goroutine if it sleeps, and reports
// whether it did. The caller holds s.mu.
func (s *shard) wakeLocked() bool {
	if !s.sleeping {
		return false
	}
	s.sleeping = false
	s.rt.awake.Add(1)
	s.wake <- struct{}{} // cannot block: one token per sleep, the buffer holds one
	return true
}

// sleep counts the shard's own goroutine asleep unless work or calls came
// in since it last looked; the goroutine then waits on s.wake.
func (s *shard) sleep() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runq.Len() > 0 || (len(s.calls) > 0 && len(s.servers) == 1) {
		return false
	}
	s.sleeping = true
	s.rt.awake.Add(-1)
	return true
}

// How long a shard's goroutine with nothing to do looks for work before it
// sleeps. Waking a sleeping shard goroutine costs 11-14 µs on an idle
// machine and ~30 µs at load 7 on two cores (Go parks the idle processor's
// thread, and wakes it by futex), so an exchange across shards paid it on
// every hop. A fixed 20 µs poll covered a native hop (~2-4 µs) but not a
// sandboxed one (~40 µs, a step each way): after processes were parked as
// coroutines, 30% of a sandboxed ping-pong's polls ran out and slept just
// before the reply came, and the other-shard round trip got slower. So the
// poll lasts about twice the idle spells the shard has been seeing lately
// (the time from running out of work to the next work), within
// [pollMin, pollMax]: it grows where the work comes back soon, a hop
// across shards, and falls back to pollMin where it does not. Not below
// 20 µs: a poll of twice the mean spell missed the longer spells of a
// one-way stream (a sender's pushes come in bursts), and a 5 µs floor cut
// native other-shard send throughput to 0.65x.
const (
	pollMin = 20 * time.Microsecond
	pollMax = 100 * time.Microsecond
)

// learnIdle updates the shard's expected idle spell with one that lasted
// d and ended with work, and sets how long the next poll lasts. Spells
// longer than pollMax say the work does not come back soon: each halves
// the expectation, so a few bring the poll back to pollMin. Only the shard's own
// goroutine calls it.
func (s *shard) learnIdle(d time.Duration) {
	if d > pollMax {
		s.idleSpell /= 2
	} else {
		s.idleSpell += (d - s.idleSpell) / 4
	}
	s.pollFor = min(max(2*s.idleSpell, pollMin), pollMax)
}

// poll waits up to s.pollFor for work, yielding the processor between
// looks, and reports whether work came. Only while the other goroutines
// serving shards (awake counts this one too) are fewer than the
// processors: then the processor polled on is one no other shard wants,
// and the poll ends as soon as one does (on a machine whose other
// processes want it, the kernel still preempts the thread; the poll is
// short, at most pollMax, and long only where it has been paying).
func (s *shard) poll(start time.Time) bool {
	rt := s.rt
	if rt.awake.Load() > rt.procs {
		return false
	}
	// While it polls it counts as asleep and lends itself first, as a
	// sleeping shard does: a poll that kept it counted awake kept relief
	// servers from starting (relief.go), and native send16 on 2 shards fell
	// from ~1M to ~700k msg/s.
	rt.awake.Add(-1)
	defer rt.awake.Add(1)
	rt.lend(start.UnixNano())
	end := start.Add(s.pollFor)
	for {
		runtime.Gosched()
		if s.waiting.Load() > 0 {
			s.learnIdle(time.Since(start))
			return true
		}
		if rt.awake.Load() >= rt.procs || time.Now().After(end) {
			return false
		}
	}
}

// loop is the shard's own goroutine: it runs calls between turns and sleeps
// when the run queue is empty.
func (s *shard) loop(sv *server) {
	defer s.rt.loops.Done()
	for {
		select {
		case <-s.rt.done:
			return
		default:
		}
		s.mu.Lock()
		var calls []func()
		if len(s.servers) == 1 {
			// No relief server is in a turn (one starts only while this
			// goroutine is in one): every instance is between turns.
			calls, s.calls = s.calls, nil
		}
		s.mu.Unlock()
		for _, fn := range calls {
			fn()
		}
		now := time.Now()
		in := s.pop(now)
		if sv.owing.Load() {
			if s.settle(sv, in == nil) {
				continue // it took a turn of a sleeping shard's instead of waking it
			}
			now = time.Now() // waking the shards owed took a while
		}
		if in == nil {
			idle := now
			if s.poll(idle) {
				continue
			}
			if !s.sleep() {
				continue
			}
			s.rt.lend(time.Now().UnixNano())
			select {
			case <-s.wake:
				s.learnIdle(time.Since(idle))
				continue
			case <-s.rt.done:
				return
			}
		}
		s.turn(sv, in, sv, now)
	}
}
