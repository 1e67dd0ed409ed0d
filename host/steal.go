package host

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Stealing: a shard goroutine whose turn gives work to a sleeping shard (a
// send, a spawn, a call's reply) does not wake that shard's goroutine at
// once. It owes the wake-up, and settles the debt when its turn ends: with
// work of its own left it wakes the other shard, so both processors work;
// with none, it takes the other shard's turn itself, on its own goroutine,
// and the other shard's goroutine sleeps on. Waking a sleeping goroutine
// costs 11-30 µs on a 2-core machine (Go parks the idle processor's thread
// and wakes it by futex), more than a native step and about a sandboxed
// one, and a ping-pong or a process.call across shards paid it at every
// hop; stolen, a hop costs one turn and no wake-up (a ping-pong within one
// shard costs less still: its messages are delivered inside one step, with
// no turn per hop). Go's own scheduler does the like: a goroutine readied
// by one that is about to block runs next on the same processor.
//
// A turn that goes on after giving the work pays its debts then: at its
// next send (a stream: the receiver's shard works in parallel, as before)
// or its next tick (abi.TickInstructions of guest work, or less when the
// work is slow), so a sleeping shard's work waits at most a tick for a
// sender that keeps running, never its whole turn. A tick falls wherever
// the instruction count crosses a period, as likely right after the send
// as later: a ping-pong's turn, which ends at the receive after its send,
// meets one every ~30 hops and wakes the other shard for nothing, and the
// pair then polls for a while, slower than stolen hops. Paying at the
// second tick instead avoided that (a cross-shard ping-pong alone: native
// p50 0.85x, sandboxed 12-15% more round trips) and was taken back: the
// gain is a pair's with the machine to itself (beside another busy tenant
// no shard sleeps), so next to anything its round trips stayed what they
// were and every neighbour ratio of moonbox stress fell by the gain (the
// defaults' spawn-bomb 0.86 -> 0.75, below the 0.80 goal; control 0.94 ->
// 0.83; docs/log/steal-2026-12-03.md, "The second tick, taken back").
//
// Once a shard's turns are stolen its goroutine sleeps on, and is not woken
// to poll for its work again even where the poll would catch it: tried,
// with each shard polling for the other a sandboxed ping-pong took 1.7x as
// long at load 5-6 (a polled hop waits for the other thread to get a
// processor on a shared machine; a stolen one waits for no thread), and
// the stolen regime is within 1.1x of the polled one's best idle runs
// (docs/log/steal-2026-12-03.md).
//
// A stolen turn is a turn of the other shard in every other respect: its
// instance is taken by that shard's pop (the fair share's wait and admit,
// the cpu_rate bucket, the run queue's order) and charged to that shard's
// run queue and its tenant's share by that shard's turn, so a tenant gets
// no turn by stealing that it would not have got from its own shard's
// goroutine. The thief registers as one of that shard's servers while it
// takes the turn (an instance is stepped by one goroutine at a time:
// pop marks it running under the shard's lock, as for relief servers), so
// the shard's calls wait for it to leave (shard.loop runs calls only with
// no other server in a turn).

// stealGrace is how long a shard goroutine in a stolen turn counts as
// between turns for its own shard's relief (relief.go): a ping-pong's reply
// lands on its shard during the stolen turn and is taken right after it,
// while a stolen turn that runs long (a guest collecting) gets its shard a
// relief server at the watchdog's next look, as a turn of its own would
// have at once.
const stealGrace = 100 * time.Microsecond

// debts are the wake-ups a shard goroutine's turns owe: the sleeping
// shards they gave work to. Posts from other goroutines may add to them
// while the turn runs (a Go-side kill of a process of the instance), so
// they are locked.
type debts struct {
	mu       sync.Mutex
	owed     []*shard
	settling []*shard // owed, taken to be settled (by the goroutine itself)
	owing    atomic.Bool
}

// owe records that the turn of in (which gave work to s, asleep) owes s's
// wake-up, and reports whether it took the debt: false if in is not in a
// turn on a shard's own goroutine. The caller holds s.mu.
func (in *instance) owe(s *shard) bool {
	if in == nil {
		return false
	}
	home := in.stepper.Load()
	if home == nil {
		return false
	}
	home.mu.Lock()
	defer home.mu.Unlock()
	if in.stepper.Load() != home {
		return false // the turn ended meanwhile: its goroutine may be past settling
	}
	if !slices.Contains(home.owed, s) {
		home.owed = append(home.owed, s)
	}
	home.owing.Store(true)
	return true
}

// endTurn ends in's turn on the goroutine of sv: later posts no longer
// leave their wakes to it.
func (sv *server) endTurn(in *instance) {
	sv.mu.Lock()
	in.stepper.Store(nil)
	sv.mu.Unlock()
}

// take hands the goroutine its debts to settle; they are owed no more.
func (d *debts) take() []*shard {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.settling, d.owed = d.owed, d.settling[:0]
	d.owing.Store(false)
	return d.settling
}

// pay wakes the shards the current turn owes: the turn goes on (it sent
// again, or reached a tick) after giving them work.
func (sv *server) pay() {
	for _, t := range sv.take() {
		t.wakeIfQueued()
	}
}

// settle settles sv's debts after a turn of s's own goroutine. If the
// goroutine is idle (nothing of its own to run), it takes a turn of the
// first owed shard still asleep with work, and reports whether it did;
// every other owed shard is woken.
func (s *shard) settle(sv *server, idle bool) (stole bool) {
	for _, t := range sv.take() {
		if idle && !stole && s.steal(sv, t) {
			stole = true
			continue
		}
		t.wakeIfQueued()
	}
	return stole
}

// wakeIfQueued wakes s's goroutine if it sleeps with instances queued.
func (s *shard) wakeIfQueued() {
	s.mu.Lock()
	if s.runq.Len() > 0 {
		s.wakeLocked()
	}
	s.mu.Unlock()
}

// steal takes one turn of t's, whose goroutine sleeps, on the goroutine of
// sv (the goroutine of s), and reports whether it took one. While t still
// sleeps with work afterwards, sv owes its wake-up again: the goroutine
// takes the next turn too if it is still idle, or wakes t.
func (s *shard) steal(sv *server, t *shard) bool {
	if sv.thief == nil {
		sv.thief = &server{}
	}
	t.mu.Lock()
	if !t.sleeping || !t.runq.ready() || len(t.servers) >= maxServers {
		t.mu.Unlock()
		return false
	}
	t.servers = append(t.servers, sv.thief)
	t.mu.Unlock()
	now := time.Now()
	in := t.pop(now)
	if t.waiting.Load() > 0 {
		// More than the one turn waits there: t's goroutine serves the
		// rest meanwhile, as it would have, rather than leave it behind a
		// stolen turn that may run long (a guest collecting: no tick ends
		// it). A table bomb's stolen turns held its neighbour's instance
		// queued behind them (stress: 0.48-0.54x of solo).
		t.wakeIfQueued()
	}
	if in != nil {
		// For s's relief, its goroutine is in a turn once the stolen turn
		// has run stealGrace (relief.go), not before: s's own work queued
		// meanwhile (the reply of a ping-pong) waits for the thief, who
		// is about to take it, instead of a relief server being started
		// at every hop.
		sv.stealing.Store(true)
		sv.since.Store(now.UnixNano())
		t.turn(sv.thief, in, sv, now)
		sv.since.Store(0)
		sv.stealing.Store(false)
	}
	t.mu.Lock()
	if i := slices.Index(t.servers, sv.thief); i >= 0 {
		t.servers = slices.Delete(t.servers, i, i+1)
	}
	if t.sleeping {
		switch {
		case len(t.calls) > 0:
			t.wakeLocked() // its calls waited for the thief to leave
		case t.runq.ready():
			sv.mu.Lock()
			if !slices.Contains(sv.owed, t) {
				sv.owed = append(sv.owed, t)
			}
			sv.owing.Store(true)
			sv.mu.Unlock()
		}
	}
	t.mu.Unlock()
	return in != nil
}
