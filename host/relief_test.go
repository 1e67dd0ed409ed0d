package host

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
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
func (g *stepGuest) Close()                       {}

// schedule gives in a record and queues it, as a send to it would.
func schedule(in *instance) {
	in.post(abi.RecordTimer, &process{handle: 1}, func(*abi.RecordWriter) {})
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
