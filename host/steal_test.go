package host

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// funcGuest is a guest whose step runs step (as a turn's sends would) and
// records whether two steps of the instance ever ran at once, and whether a
// step ran while its own shard's goroutine slept (a stolen turn).
type funcGuest struct {
	shard   *shard
	step    func()
	hold    time.Duration // how long a step lasts, spinning (a window for another to overlap it)
	steps   atomic.Int32
	stolen  atomic.Int32 // steps taken while the shard's own goroutine slept
	inside  atomic.Int32
	overlap atomic.Bool
}

func (g *funcGuest) Step([]byte, int64) (bool, error) {
	if g.inside.Add(1) > 1 {
		g.overlap.Store(true)
	}
	defer g.inside.Add(-1)
	if asleep(g.shard) {
		g.stolen.Add(1)
	}
	if g.step != nil {
		g.step()
	}
	for end := time.Now().Add(g.hold); time.Now().Before(end); {
	}
	g.steps.Add(1)
	return false, nil
}

func (g *funcGuest) Memory(bool) (uint64, uint64) { return 0, 0 }
func (g *funcGuest) Diagnostics() string          { return "" }
func (g *funcGuest) Waits() []vm.ProcessWaits     { return nil }
func (g *funcGuest) Close()                       {}

func asleep(s *shard) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sleeping
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(50 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// postBy gives in a record posted by the turn of by, as a send from a
// process of by to one of in would.
func postBy(in, by *instance) {
	in.post(abi.RecordTimer, &process{handle: 1}, func(*abi.RecordWriter) {}, by)
}

// stealPair is a runtime of two shards with instance a on shard 0, whose
// steps run aStep, and b on shard 1.
func stealPair(t *testing.T, tenant func(*Runtime) *Tenant, aStep func(a, b *instance)) (rt *Runtime, a, b *instance, ga, gb *funcGuest) {
	rt = New(Config{Shards: 2})
	t.Cleanup(rt.Close)
	ten := tenant(rt)
	ga = &funcGuest{shard: rt.shards[0]}
	gb = &funcGuest{shard: rt.shards[1]}
	a = &instance{tenant: ten, shard: rt.shards[0], g: ga, runIndex: -1}
	b = &instance{tenant: ten, shard: rt.shards[1], g: gb, runIndex: -1}
	ga.step = func() { aStep(a, b) }
	return rt, a, b, ga, gb
}

func plainTenant(rt *Runtime) *Tenant { return &Tenant{rt: rt} }

// TestIdleShardTakesTheTurnItGave: a turn that gives work to a sleeping
// shard, and leaves its own shard with nothing to do, takes that shard's
// turn on its own goroutine: the sleeping shard is not woken. With work of
// its own left, it wakes the other shard instead, so both processors work.
func TestIdleShardTakesTheTurnItGave(t *testing.T) {
	var own *instance // set: a's turn also gives its own shard work
	rt, a, _, _, gb := stealPair(t, plainTenant, func(a, b *instance) {
		postBy(b, a)
		if own != nil {
			postBy(own, a)
		}
	})
	for i := range 20 {
		waitFor(t, "shard 1 to sleep", func() bool { return asleep(rt.shards[1]) })
		schedule(a)
		waitFor(t, "b's turn", func() bool { return gb.steps.Load() == int32(i+1) })
	}
	if n := gb.stolen.Load(); n != 20 {
		t.Fatalf("%d of 20 turns of b were taken while its shard slept, want all: its shard was woken instead", n)
	}

	release := make(chan struct{})
	other := &stepGuest{stepped: make(chan struct{}, 1), release: release}
	own = &instance{tenant: a.tenant, shard: rt.shards[0], g: other, runIndex: -1}
	waitFor(t, "shard 1 to sleep", func() bool { return asleep(rt.shards[1]) })
	schedule(a)
	<-other.stepped // shard 0's goroutine is in its own instance's turn
	waitFor(t, "b's turn", func() bool { return gb.steps.Load() == 21 })
	close(release)
	if n := gb.stolen.Load(); n != 20 {
		t.Fatal("a turn that left its shard work took the other shard's turn too, instead of waking it")
	}
}

// TestTurnPaysAtItsTick: a turn that gives a sleeping shard work and goes
// on wakes that shard at its next tick, so that shard's work waits at most
// a tick behind a sender that keeps running, not its whole turn.
func TestTurnPaysAtItsTick(t *testing.T) {
	var beforeTick, afterTick atomic.Bool // shard 1 asleep before and after the tick
	rt, a, _, _, _ := stealPair(t, plainTenant, func(a, b *instance) {
		postBy(b, a)
		beforeTick.Store(asleep(b.shard))
		a.Tick(0, 1)
		afterTick.Store(asleep(b.shard))
	})
	waitFor(t, "shard 1 to sleep", func() bool { return asleep(rt.shards[1]) })
	schedule(a)
	waitFor(t, "a's turn", func() bool { return a.g.(*funcGuest).steps.Load() == 1 })
	if !beforeTick.Load() {
		t.Fatal("the other shard was woken at the send, before the turn reached a tick")
	}
	if afterTick.Load() {
		t.Fatal("the other shard still slept at the tick after the send: a turn that goes on must wake it")
	}
}

// TestStolenTurnsNeverOverlap: an instance is stepped by one goroutine at a
// time, whether its turn is taken by its own shard's goroutine (woken by
// posts from outside any turn) or by another shard's goroutine that gave it
// work (stolen), with both happening at once.
func TestStolenTurnsNeverOverlap(t *testing.T) {
	const rounds = 2000
	_, a, b, ga, gb := stealPair(t, plainTenant, func(a, b *instance) { postBy(b, a) })
	gb.hold = 20 * time.Microsecond
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range rounds {
			schedule(a) // each of a's turns gives b work
			time.Sleep(time.Duration(jitter(50)) * time.Microsecond)
		}
	}()
	go func() {
		defer wg.Done()
		for range rounds {
			schedule(b) // wakes b's shard
			time.Sleep(time.Duration(jitter(50)) * time.Microsecond)
		}
	}()
	wg.Wait()
	waitFor(t, "the last turns", func() bool {
		return !a.queuedNow() && !b.queuedNow() && ga.inside.Load() == 0 && gb.inside.Load() == 0
	})
	if gb.overlap.Load() || ga.overlap.Load() {
		t.Fatal("an instance was stepped by two goroutines at once")
	}
	if gb.stolen.Load() == 0 {
		t.Fatal("no turn of b was stolen: the test did not exercise stealing")
	}
}

// jitter is a cheap pseudo-random number below n (no seed needed: the test
// only wants the two posters out of step).
func jitter(n int) int {
	return int(uint64(time.Now().UnixNano()) * 0x9E3779B97F4A7C15 >> 40 % uint64(n))
}

func (in *instance) queuedNow() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.queued
}

// TestStolenTurnKeepsTheFairShare: a turn stolen from a sleeping shard is
// taken through that shard's run queue like any other, so a tenant past its
// fair share while another tenant wants the processors does not get one by
// stealing: it waits, as it would for its own shard's goroutine.
func TestStolenTurnKeepsTheFairShare(t *testing.T) {
	var debtor, neighbour *Tenant
	rt, a, _, _, gb := stealPair(t, func(rt *Runtime) *Tenant {
		debtor = &Tenant{rt: rt, share: newFairShare(0)}
		neighbour = &Tenant{rt: rt, share: newFairShare(0)}
		rt.mu.Lock()
		rt.tenants = append(rt.tenants, debtor, neighbour)
		rt.mu.Unlock()
		return neighbour
	}, func(a, b *instance) { postBy(b, a) })
	b := rt.shards[1]
	// The instance on shard 1 belongs to the debtor: bound by the processor
	// (its last turn ended with work left), an hour of processor time
	// spent, while the neighbour (a's tenant) has turns too.
	bIn := &instance{tenant: debtor, shard: b, g: gb, runIndex: -1}
	debtor.share.busy.Store(true)
	rt.spendShare(debtor.share, time.Hour, time.Now())
	a.g.(*funcGuest).step = func() {
		rt.spendShare(neighbour.share, time.Microsecond, time.Now())
		rt.weightAt.Store(0)
		postBy(bIn, a)
	}
	waitFor(t, "shard 1 to sleep", func() bool { return asleep(b) })
	schedule(a)
	waitFor(t, "a's turn and its settling", func() bool {
		return !a.queuedNow() && asleep(rt.shards[0]) || gb.steps.Load() > 0
	})
	if gb.steps.Load() > 0 {
		t.Fatal("a tenant an hour past its fair share had a turn stolen for it while its neighbour wanted the processors")
	}
}
