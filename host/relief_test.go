package host

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// stepGuest is a guest whose steps the test controls: each step announces
// itself on stepped and, if release is set, waits for it.
type stepGuest struct {
	stepped chan struct{}
	release chan struct{}
	inside  atomic.Int32
	overlap atomic.Bool // two steps of the instance ran at once
}

func (g *stepGuest) Step([]byte, int64) (bool, error) {
	if g.inside.Add(1) > 1 {
		g.overlap.Store(true)
	}
	defer g.inside.Add(-1)
	g.stepped <- struct{}{}
	if g.release != nil {
		<-g.release
	}
	return false, nil
}

func (g *stepGuest) Memory(bool) (uint64, uint64) { return 0, 0 }
func (g *stepGuest) Diagnostics() string          { return "" }
func (g *stepGuest) Waits() []vm.ProcessWaits     { return nil }
func (g *stepGuest) Close()                       {}

// schedule gives in a record and queues it, as a send to it would.
func schedule(in *instance) {
	in.post(abi.RecordTimer, &process{handle: 1}, func(*abi.RecordWriter) {}, nil)
}

// TestStuckTurnIsRelieved: while a turn cannot end (a guest stuck in its
// collector), another instance of the same shard is still served, by a
// relief server; the stuck instance itself is never stepped twice at once,
// though it is queued again meanwhile; the relief ends once the shard is
// free.
func TestStuckTurnIsRelieved(t *testing.T) {
	rt := New(Config{Shards: 1})
	defer rt.Close()
	s := rt.shards[0]
	tenant := &Tenant{rt: rt}
	newInstance := func(g guest) *instance {
		return &instance{tenant: tenant, shard: s, g: g, runIndex: -1}
	}
	stuck := &stepGuest{stepped: make(chan struct{}, 8), release: make(chan struct{})}
	other := &stepGuest{stepped: make(chan struct{}, 8)}
	a, b := newInstance(stuck), newInstance(other)

	schedule(a)
	<-stuck.stepped
	schedule(a) // work for a while its turn runs: queued, not stepped
	schedule(b)
	select {
	case <-other.stepped:
	case <-time.After(time.Minute):
		t.Fatal("an instance waited behind a stuck turn of another: no relief")
	}
	close(stuck.release)
	<-stuck.stepped // its queued work, after the stuck turn
	if stuck.overlap.Load() {
		t.Fatal("the stuck instance was stepped by two servers at once")
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		n := len(s.servers)
		s.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d servers serve the shard after the stuck turn ended, want 1", n)
		}
	}
}

// TestReliefRequeueWakesShard: an instance queued again at the end of a
// relief server's turn is served after the relief ends, by the shard's own
// goroutine, which had gone to sleep meanwhile.
func TestReliefRequeueWakesShard(t *testing.T) {
	rt := New(Config{Shards: 1})
	defer rt.Close()
	s := rt.shards[0]
	tenant := &Tenant{rt: rt}
	first := &stepGuest{stepped: make(chan struct{}, 8), release: make(chan struct{})}
	second := &stepGuest{stepped: make(chan struct{}, 8), release: make(chan struct{})}
	a := &instance{tenant: tenant, shard: s, g: first, runIndex: -1}
	b := &instance{tenant: tenant, shard: s, g: second, runIndex: -1}

	schedule(a)
	<-first.stepped // the shard's goroutine is stuck in a
	schedule(b)
	<-second.stepped     // a relief server is stuck in b
	schedule(b)          // more work for b during its turn
	close(first.release) // the shard's goroutine ends a's turn, finds b running, sleeps
	for first.inside.Load() != 0 {
		time.Sleep(time.Millisecond)
	}
	second.release <- struct{}{}
	select {
	case <-second.stepped: // b's queued work
	case <-time.After(time.Minute):
		t.Fatal("work queued during a relief turn was never served")
	}
	close(second.release)
}

// TestReliefNeedsAFreeProcessor: the decision to start (or keep) a relief
// server. A shard whose servers are all in a turn gets one if a processor
// is free; without one, only once the turns are stuck. A shard whose own
// goroutine is in a turn it stole from another gets one only once stuck.
func TestReliefNeedsAFreeProcessor(t *testing.T) {
	rt := &Runtime{procs: 2}
	own := &server{}
	s := &shard{rt: rt, servers: []*server{own}}
	start := time.Now().UnixNano()
	soon := start + int64(time.Microsecond)
	late := start + 2*int64(reliefAfter)
	s.mu.Lock()
	defer s.mu.Unlock()
	check := func(what string, now int64, except *server, awake int32, want bool) {
		t.Helper()
		rt.awake.Store(awake)
		if got := s.needsReliefLocked(now, except); got != want {
			t.Errorf("%s: needs relief = %v, want %v", what, got, want)
		}
	}
	check("own server between turns, processor free", soon, nil, 1, false)
	own.since.Store(start)
	check("own server in a turn, processor free", soon, nil, 1, true)
	check("own server in a turn, no processor free", soon, nil, 2, false)
	check("own server stuck, no processor free", late, nil, 2, true)
	own.stealing.Store(true) // in a turn of another shard's (steal.go): back soon
	check("own server in a stolen turn, processor free", soon, nil, 1, false)
	check("own server long in a stolen turn, processor free", start+2*int64(stealGrace), nil, 1, true)
	check("own server stuck in a stolen turn", late, nil, 2, true)
	own.stealing.Store(false)
	relief := &server{}
	s.servers = append(s.servers, relief)
	check("relief asking, its own processor the free one", soon, relief, 2, true)
	check("relief asking, another goroutine woke", soon, relief, 3, false)
	check("relief asking, the shard stuck", late, relief, 3, true)
	own.since.Store(0)
	check("relief asking, own server between turns", late, relief, 1, false)
}

// TestSleepingShardLendsItsProcessor: a shard's goroutine that goes to sleep
// starts a relief server for another shard whose instance waits behind a
// turn, since its processor is now free.
func TestSleepingShardLendsItsProcessor(t *testing.T) {
	rt := &Runtime{procs: 2, done: make(chan struct{})}
	busy := &shard{rt: rt, servers: []*server{{}}, wake: make(chan struct{}, 1)}
	idle := &shard{rt: rt, servers: []*server{{}}, wake: make(chan struct{}, 1), sleeping: true}
	rt.shards = []*shard{idle, busy}
	busy.servers[0].since.Store(time.Now().UnixNano()) // in a turn
	waiting := &stepGuest{stepped: make(chan struct{}, 8)}
	in := &instance{tenant: &Tenant{rt: rt}, shard: busy, g: waiting, runIndex: -1}

	rt.awake.Store(2) // both shards' goroutines awake: no processor free
	schedule(in)
	rt.lend(time.Now().UnixNano())
	if busy.mu.Lock(); len(busy.servers) != 1 {
		t.Fatalf("%d servers with no processor free, want 1", len(busy.servers))
	}
	busy.mu.Unlock()

	rt.awake.Store(1) // the idle shard's goroutine went to sleep
	rt.lend(time.Now().UnixNano())
	select {
	case <-waiting.stepped:
	case <-time.After(time.Minute):
		t.Fatal("the waiting instance was not served with a processor free")
	}
	close(rt.done)
	rt.loops.Wait()
}
