package host

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// fairShare gives each tenant its share of the machine's processors while
// other tenants want them too, without anyone configuring cpu_rate. Each
// shard's run queue already alternates instances by virtual runtime, but a
// tenant busy on every shard holds every processor between two of its
// ticks, and a latency-bound neighbour pays a tick and a processor hand-off
// on every hop (0.24-0.28x of its solo throughput next to 50 busy loops).
//
// A tenant's turns are charged to a bucket of processor time that refills
// at its share: the runtime's processors times its weight over the weights
// of the tenants that had a turn in the last activeWindow. A tenant whose
// bucket is empty waits out of the run queues (shard.pop) until it holds a
// turn's worth again, leaving the processors to the others; when it is the
// only one with work its share is every processor, so idle capacity is
// still used. A share, not a quota: nothing fails and nothing ends.
//
// The bucket bounds a tenant's processor time on average, not how many
// processors it holds at once: 50 busy loops, with an instance on each
// shard, spent their share in bursts on both processors, and a single-core
// neighbour (a ping-pong across the shards) shared a processor with one of
// them at every hop while they did (0.44-0.55x of its solo throughput). So
// while contended, a tenant bound by the processor (its last turn ended
// with processes still runnable; messages that came in during the turn do
// not count, or a ping-pong across shards would count as bound) that has
// used its share lately (its bucket went under half full, and has not
// filled up since) holds no more turns at once than its share rounded up
// to whole processors: its other instances wait
// (admit) until one of its turns ends (release), and the processor it
// leaves free serves the neighbours at once, as relief does (relief.go). A
// tenant whose turns end with its processes blocked is never held: held, a
// ping-pong paid a hand-off and a shard's wake-up at every hop when its
// partner's turn began before its own had ended (on a busy machine its
// turns, timed on the wall clock, spent its bucket, and it fell to
// 0.09-0.14x next to the spawn bomb).
type fairShare struct {
	mu     sync.Mutex
	tokens float64 // seconds of processor time; below zero: in debt
	last   time.Time
	weight float64
	active atomic.Int64 // UnixNano of its last turn's end
	held   bool         // its turns at once are bounded (admit; mu)
	busy   atomic.Bool  // its last turn ended with its processes still runnable (bound by the processor)
	parked []*instance  // instances waiting for one of them to end (mu)

	// turns of the tenant in progress, and len(parked): atomic, so that
	// while the tenant is alone with work (nothing contended, nothing
	// parked) a turn's admit and release take no lock. Every shard's turns
	// of one tenant went through mu four times a turn; on 32-64 cores a
	// tenant with short turns (a ping-pong: a turn per message) would
	// queue its shards on it. An admit that parks and a release that takes
	// no lock cannot miss each other: each writes its own counter before
	// reading the other's (admit, release).
	turns   atomic.Int64
	parkedN atomic.Int64

	// unpaid is processor time of turns that ended while the tenant was
	// alone, not yet taken from tokens (nanoseconds): spendShare takes the
	// lock once shareFold of it has gathered, and any refill takes it.
	unpaid atomic.Int64
}

const (
	// activeWindow is how recently a tenant must have had a turn to count
	// as wanting the processors.
	activeWindow = 50 * time.Millisecond
	// shareBurst is the bucket's size, in seconds at the tenant's share.
	shareBurst = 0.02
	// shareResume is what an emptied bucket must hold again before the
	// tenant is let back in: about one turn.
	shareResume = 2 * time.Millisecond
	// shareFold is how much processor time a tenant alone charges before
	// its bucket's lock is taken: a turn of a native ping-pong lasts a few
	// microseconds, and each took the lock. Alone, the bucket is only
	// kept for when another tenant comes; it is off by at most this much
	// then (a twentieth of a processor's 20 ms burst).
	shareFold = time.Millisecond
)

// defaultWeight is a tenant's weight when its limits set none (0).
const defaultWeight = 100

func newFairShare(weight int64) *fairShare {
	if weight <= 0 {
		weight = defaultWeight
	}
	// Full: the first refill caps it to the share's burst.
	return &fairShare{weight: float64(weight), last: time.Now(), tokens: math.Inf(1)}
}

// shareOf is f's share now, in processors, and whether another tenant
// wants them too.
func (rt *Runtime) shareOf(f *fairShare, now time.Time) (rate float64, contended bool) {
	total := rt.activeWeight(now)
	if total <= f.weight {
		return float64(rt.procs), false
	}
	return float64(rt.procs) * f.weight / total, true
}

// contended reports whether another tenant wants the processors now.
func (rt *Runtime) contended(f *fairShare) bool {
	_, c := rt.shareOf(f, time.Now())
	return c
}

// activeWeight sums the weights of the tenants that had a turn within
// activeWindow, recomputed at most once a millisecond.
func (rt *Runtime) activeWeight(now time.Time) float64 {
	if at := rt.weightAt.Load(); now.UnixNano()-at < int64(time.Millisecond) {
		return float64(rt.weightSum.Load()) / 1000
	}
	rt.mu.RLock()
	sum := 0.0
	for _, t := range rt.tenants {
		if t.share != nil && now.UnixNano()-t.share.active.Load() < int64(activeWindow) {
			sum += t.share.weight
		}
	}
	rt.mu.RUnlock()
	rt.weightSum.Store(int64(sum * 1000))
	rt.weightAt.Store(now.UnixNano())
	return sum
}

// refillLocked adds what the share earned since the last look.
// What turns of the tenant alone left unpaid is charged after it.
func (f *fairShare) refillLocked(rate float64, now time.Time) {
	f.tokens = min(rate*shareBurst, f.tokens+now.Sub(f.last).Seconds()*rate)
	f.last = now
	if n := f.unpaid.Load(); n != 0 {
		f.tokens -= time.Duration(f.unpaid.Swap(0)).Seconds()
	}
}

// spendShare charges a turn of d that ended at now.
func (rt *Runtime) spendShare(f *fairShare, d time.Duration, now time.Time) {
	if f == nil { // a tenant made by hand in a test
		return
	}
	// Written only when a millisecond stale, for the line's sake: every
	// shard's turns of the tenant pass here, and activeWindow is 50 ms.
	if at := now.UnixNano(); at-f.active.Load() > int64(time.Millisecond) {
		f.active.Store(at)
	}
	rate, contended := rt.shareOf(f, now)
	if !contended {
		if f.unpaid.Add(int64(d)) < int64(shareFold) {
			return
		}
		d = 0 // in unpaid, charged by the refill
	}
	f.mu.Lock()
	f.refillLocked(rate, now)
	f.tokens -= d.Seconds()
	f.mu.Unlock()
}

// shareWait is how long after now the tenant may have a turn again; 0 if at
// once. A tenant alone with work never waits: turns are timed on the wall
// clock, which other programs on the machine stretch, and it must not be
// held back by them. Nor does a tenant whose last turn left no work (bound
// by its messages, not by the processor): a ping-pong across the shards
// beside a fork bomb spent about a processor of wall time in its turns, its
// whole share, and sat out ~30 ms each second in one wait (0.75-0.80x of its
// solo throughput with the wait, 0.85x without). The run queues still
// alternate it with the others on each shard.
func (rt *Runtime) shareWait(f *fairShare, now time.Time) time.Duration {
	if f == nil {
		return 0
	}
	rate, contended := rt.shareOf(f, now)
	if !contended {
		return 0 // no refill needed: the next one counts the time since the last
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refillLocked(rate, now)
	if f.tokens > 0 || !f.busy.Load() {
		return 0
	}
	return time.Duration((-f.tokens + shareResume.Seconds()) / rate * float64(time.Second))
}

// admit reports whether an instance of the tenant may start a turn now, and
// counts the turn; if not, the instance is parked until one of the tenant's
// turns ends (release hands it back). The caller holds the instance's
// shard's lock.
func (rt *Runtime) admit(f *fairShare, in *instance, now time.Time) bool {
	if f == nil {
		return true
	}
	rate, contended := rt.shareOf(f, now)
	if !contended && !in.handedTurn && f.parkedN.Load() == 0 {
		// Alone with work: never held (a turn handed on by release was
		// counted there, and parked instances are handed turns in order).
		f.turns.Add(1)
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if in.handedTurn {
		in.handedTurn = false // counted when release handed it the turn
		return true
	}
	f.refillLocked(rate, now)
	// Held from when half its bucket is spent until it is full again: a
	// tenant busy on every shard would otherwise take them all each time
	// it crossed back over half.
	switch full := rate * shareBurst; {
	case f.tokens < full/2:
		f.held = true
	case f.tokens >= full*0.99:
		f.held = false
	}
	// With instances parked, a newcomer queues behind them: a release
	// counts its turn off before it takes the lock to hand the turn on,
	// and the turn is not free meanwhile.
	if bound := int64(math.Ceil(rate - 1e-9)); contended && f.held && f.busy.Load() && (f.turns.Load() >= bound || len(f.parked) > 0) {
		f.parked = append(f.parked, in)
		f.parkedN.Add(1)
		// A release that took no lock may have ended a turn since: it
		// counted the turn off before it looked for parked instances, and
		// this counted the parked one before it looks at the turns again,
		// so one of the two sees the other.
		if f.turns.Load() >= bound || len(f.parked) > 1 {
			return false
		}
		f.parked = f.parked[:len(f.parked)-1]
		f.parkedN.Add(-1)
	}
	f.turns.Add(1)
	return true
}

// release counts the end of a turn admitted by admit. If an instance of the
// tenant is parked, the turn is handed to the one that waited longest,
// returned to be queued again on its shard (by the caller, who must not
// hold a shard's lock). Handed on rather than freed: the instance whose
// turn ended is queued again first, on its own shard, and would take the
// turn back every time, leaving the tenant's processes on the other shards
// to wait for as long as it had work.
func (f *fairShare) release() *instance {
	if f == nil {
		return nil
	}
	f.turns.Add(-1)
	if f.parkedN.Load() == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.parked) == 0 {
		return nil // it took the turn itself (admit)
	}
	in := f.parked[0]
	f.parked[0] = nil
	f.parked = f.parked[1:]
	f.parkedN.Add(-1)
	f.turns.Add(1) // handed on: still the tenant's
	in.handedTurn = true
	return in
}
