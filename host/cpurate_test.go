package host

import (
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/tenants"
)

func TestCPURateBucket(t *testing.T) {
	var none *cpuRate = newCPURate(0)
	if none != nil || none.spend(1e12) || none.wait() != 0 {
		t.Fatal("cpu_rate 0 must not limit")
	}
	c := newCPURate(1_000_000) // a bucket of 100,000
	if c.spend(50_000) || c.wait() != 0 {
		t.Fatal("empty after half its burst")
	}
	if !c.spend(60_000) {
		t.Fatal("not empty after spending past its burst")
	}
	if c.wait() <= 0 {
		t.Fatal("no wait while in debt")
	}
}

// TestCPURateSpreadsATenantsWork: two busy processes of a tenant with a
// cpu_rate of a million instructions a second run 300,000 instructions
// each (cpu_total ends them): the bucket (a tenth of a second's worth)
// makes the tenant wait for most of it, so the work takes at least
// (600,000 - 100,000) / 1,000,000 s. Unlimited, it takes milliseconds.
// Nothing fails meanwhile: both end by cpu_total, not by the rate. The time
// asserted is a lower bound the bucket guarantees: a slow machine only
// makes the run longer.
func TestCPURateSpreadsATenantsWork(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			limits := tenants.DefaultLimits()
			limits.CPURate = 1_000_000
			limits.CPUTotal = 300_000
			cfg := Config{Shards: 2}
			if !m.native {
				cfg.Engine = testEngine(t)
			}
			rt := New(cfg)
			t.Cleanup(rt.Close)
			bundle := writeBundle(t, map[string]string{"busy.lua": "return function() while true do end end"})
			ten, err := rt.AddTenant(TenantConfig{Name: "rated", Bundle: bundle, Native: m.native, Limits: &limits})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for _, exit := range spawnN(t, ten, "busy", 2) {
				if e := wait(t, exit); e.Kind != "TIMEOUT" {
					t.Fatalf("exit %s %q, want TIMEOUT from cpu_total", e.Kind, e.Error)
				}
			}
			if elapsed, least := time.Since(start), 400*time.Millisecond; elapsed < least {
				t.Fatalf("600,000 instructions at a cpu_rate of 1,000,000/s took %v, at least %v expected", elapsed, least)
			}
		})
	}
}
