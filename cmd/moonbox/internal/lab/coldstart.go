package lab

import (
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// coldstart times a new tenant to the exit of its first process.

func (b *bench) runColdstart(native bool) (*result, error) {
	dir, err := b.bundleDir("coldstart")
	if err != nil {
		return nil, err
	}
	cfg, err := b.hostConfig(native, b.Shards)
	if err != nil {
		return nil, err
	}
	const warm = 2
	samples := b.size(30, 5)
	var times []float64
	for i := range warm + samples {
		rt := host.New(cfg)
		t0 := time.Now()
		bundle, err := tenants.OpenBundle(dir)
		if err != nil {
			rt.Close()
			return nil, err
		}
		ten, err := rt.AddTenant(host.TenantConfig{Name: "cold", Bundle: bundle, Native: native})
		if err != nil {
			rt.Close()
			return nil, err
		}
		pid, exit, err := ten.Spawn("main", host.DefaultHost, host.Args())
		if err != nil {
			rt.Close()
			return nil, err
		}
		_, err = driver{ten: ten, timeout: benchTimeout}.wait(pid, exit)
		d := time.Since(t0)
		rt.Close()
		if err != nil {
			return nil, err
		}
		if i >= warm {
			times = append(times, float64(d)/1e6)
		}
	}
	r := &result{}
	r.add("p50_ms", "new tenant to first exit, p50", "ms", median(times))
	r.add("max_ms", "  max", "ms", percentile(times, 1))
	r.info("samples", samples)
	return r, nil
}
