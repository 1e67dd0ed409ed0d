package host

import (
	"testing"
	"time"
)

// TestFairShareWaitsOnlyWhenContended: a tenant bound by the processor that
// used more processor time than its share waits, but only while another
// tenant wants the processors; alone, it never waits (idle capacity is
// used), nor does one whose turns end with no work left. Weights divide the
// share.
func TestFairShareWaitsOnlyWhenContended(t *testing.T) {
	rt := &Runtime{procs: 2}
	busy, quiet := newFairShare(0), newFairShare(300)
	rt.tenants = []*Tenant{{share: busy}, {share: quiet}}
	now := time.Now()
	rt.spendShare(busy, 200*time.Millisecond, now) // far past its bucket
	busy.busy.Store(true)                          // and its turns end with work left
	rt.weightAt.Store(0)
	if d := rt.shareWait(busy, time.Now()); d != 0 {
		t.Fatalf("alone with work, the tenant waits %v", d)
	}
	rt.spendShare(quiet, time.Millisecond, time.Now()) // now the other wants the processors too
	rt.weightAt.Store(0)
	busy.busy.Store(false)
	if d := rt.shareWait(busy, time.Now()); d != 0 {
		t.Fatalf("in debt but its last turn left no work, the tenant waits %v", d)
	}
	busy.busy.Store(true)
	d := rt.shareWait(busy, time.Now())
	if d <= 0 {
		t.Fatal("in debt while another tenant has work, the tenant does not wait")
	}
	// Its share is 2 processors x 100/(100+300) = 0.5: ~200 ms of debt
	// takes ~400 ms to repay.
	if d < 300*time.Millisecond || d > 500*time.Millisecond {
		t.Errorf("wait %v, want about 400 ms (debt / share)", d)
	}
	if rate, contended := rt.shareOf(quiet, time.Now()); !contended || rate < 1.49 || rate > 1.51 {
		t.Errorf("the weight-300 tenant's share = %.2f processors (contended %v), want 1.5", rate, contended)
	}
}

// TestFairShareHoldsItsProcessors: while another tenant wants the
// processors, a tenant bound by the processor that has used its share
// lately holds no more turns at once than its share in whole processors
// (one of two here); one within its share, or whose turns end with its
// processes blocked, is not held. An instance of a held one on another
// shard waits,
// and the turn that ends is handed to it, not taken back by the instance
// that had it. Alone, a tenant takes a turn on every shard at once.
func TestFairShareHoldsItsProcessors(t *testing.T) {
	rt := &Runtime{procs: 2}
	busy, other := newFairShare(0), newFairShare(0)
	rt.tenants = []*Tenant{{share: busy}, {share: other}}
	a, b := &instance{}, &instance{}

	rt.spendShare(busy, time.Microsecond, time.Now())
	rt.weightAt.Store(0)
	if !rt.admit(busy, a, time.Now()) || !rt.admit(busy, b, time.Now()) {
		t.Fatal("alone, the tenant may not take a turn on both shards")
	}
	busy.release()
	busy.release()

	rt.spendShare(other, time.Microsecond, time.Now()) // another tenant wants the processors
	rt.weightAt.Store(0)
	if !rt.admit(busy, a, time.Now()) || !rt.admit(busy, b, time.Now()) {
		t.Fatal("contended but within its share (its bucket full), the tenant may not take a turn on both shards")
	}
	busy.release()
	busy.release()
	rt.spendShare(busy, 15*time.Millisecond, time.Now()) // most of its 20 ms bucket spent
	if !rt.admit(busy, a, time.Now()) || !rt.admit(busy, b, time.Now()) {
		t.Fatal("past half its share but its turns end with its processes blocked, the tenant may not take a turn on both shards")
	}
	busy.release()
	busy.release()
	busy.busy.Store(true) // its turns end with work left: bound by the processor
	if !rt.admit(busy, a, time.Now()) {
		t.Fatal("contended, the tenant may not take its first turn")
	}
	if rt.admit(busy, b, time.Now()) {
		t.Fatal("contended, the tenant holds both processors (its share is one)")
	}
	if next := busy.release(); next != b {
		t.Fatalf("a's turn ended: handed to %p, want the parked b %p", next, b)
	}
	if rt.admit(busy, a, time.Now()) {
		t.Fatal("a took the turn back that was handed to b")
	}
	if !rt.admit(busy, b, time.Now()) {
		t.Fatal("b may not take the turn it was handed")
	}
	if next := busy.release(); next != a {
		t.Fatalf("b's turn ended: handed to %p, want the parked a %p", next, a)
	}
	if !rt.admit(busy, a, time.Now()) {
		t.Fatal("a may not take the turn it was handed")
	}
	if next := busy.release(); next != nil || busy.turns.Load() != 0 {
		t.Fatalf("the last turn ended: handed to %p, %d turns counted; want none", next, busy.turns.Load())
	}

	// A weight of 300 beside two of 100 is a share of 1.2 processors:
	// rounded up, both shards at once (its bucket keeps the average).
	heavy := newFairShare(300)
	rt.tenants = append(rt.tenants, &Tenant{share: heavy})
	rt.spendShare(heavy, 30*time.Millisecond, time.Now())
	heavy.busy.Store(true)
	rt.weightAt.Store(0)
	if !rt.admit(heavy, a, time.Now()) || !rt.admit(heavy, b, time.Now()) {
		t.Fatal("a tenant whose share is 1.2 processors may not take a turn on both shards")
	}
}

// TestFairShareCountsTurnsTakenAlone: a tenant alone charges its turns
// without taking its bucket's lock each time (shareFold), but none is lost:
// 90 turns of 0.5 ms taken alone put it 5 ms past its 40 ms burst, and once
// another tenant wants the processors it waits.
func TestFairShareCountsTurnsTakenAlone(t *testing.T) {
	rt := &Runtime{procs: 2}
	busy, other := newFairShare(0), newFairShare(0)
	rt.tenants = []*Tenant{{share: busy}, {share: other}}
	rt.spendShare(busy, 0, time.Now()) // fills the bucket: 2 processors x 20 ms alone
	for range 90 {
		rt.spendShare(busy, 500*time.Microsecond, time.Now())
	}
	busy.busy.Store(true)
	rt.spendShare(other, time.Microsecond, time.Now())
	rt.weightAt.Store(0)
	if d := rt.shareWait(busy, time.Now()); d <= 0 {
		t.Fatal("45 ms of turns taken alone against a 40 ms burst, and the tenant does not wait once contended")
	}
}
