package host

import (
	"testing"
	"time"
)

// TestFairShareWaitsOnlyWhenContended: a tenant that used more processor
// time than its share waits, but only while another tenant wants the
// processors; alone, it never waits (idle capacity is used). Weights divide
// the share.
func TestFairShareWaitsOnlyWhenContended(t *testing.T) {
	rt := &Runtime{procs: 2}
	busy, quiet := newFairShare(0), newFairShare(300)
	rt.tenants = []*Tenant{{share: busy}, {share: quiet}}
	now := time.Now()
	rt.spendShare(busy, 200*time.Millisecond, now) // far past its bucket
	rt.weightAt.Store(0)
	if d := rt.shareWait(busy); d != 0 {
		t.Fatalf("alone with work, the tenant waits %v", d)
	}
	rt.spendShare(quiet, time.Millisecond, time.Now()) // now the other wants the processors too
	rt.weightAt.Store(0)
	d := rt.shareWait(busy)
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
