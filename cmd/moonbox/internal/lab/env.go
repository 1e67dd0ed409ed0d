package lab

import (
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// benchTimeout bounds every wait of a workload: a hang is a failure, not a
// figure.
const benchTimeout = 10 * time.Minute

// benchLimits lift the quotas that would otherwise shape the figures (the
// spawn rate limit, the process quota); the mailbox bound stays far above
// what the flow-controlled senders ever queue.
// (Set to the highest values tenant.yaml accepts.)
func benchLimits() tenants.Limits {
	l := tenants.DefaultLimits()
	l.Processes, l.SpawnsPerSecond, l.Mailbox = 1_000_000, 100_000, 100_000
	return l
}

// env is one host runtime with one tenant running one workload's bundle.
type env struct {
	driver
	rt *host.Runtime
}

// bundleDir writes common/ and one workload directory into a bundle.
func (b *bench) bundleDir(name string) (string, error) {
	return b.bundles.dir(name, "workloads/common", "workloads/"+name)
}

func (b *bench) sandboxEngine() (*sandbox.Engine, error) {
	if b.engine == nil {
		t0 := time.Now()
		e, err := sandbox.NewEngine(sandbox.EngineConfig{})
		if err != nil {
			return nil, err
		}
		b.engine, b.engineTime = e, time.Since(t0)
	}
	return b.engine, nil
}

// hostConfig is the config of a workload's host runtime.
func (b *bench) hostConfig(native bool, shards int) (host.Config, error) {
	cfg := host.Config{Shards: shards, Warn: b.warns.add}
	if !native {
		e, err := b.sandboxEngine()
		if err != nil {
			return cfg, err
		}
		cfg.Engine = e
	}
	return cfg, nil
}

// start makes a runtime with shards shards and a tenant over the workload's
// bundle, and instantiates the tenant on every shard.
func (b *bench) start(bundleName string, native bool, shards int) (*env, error) {
	dir, err := b.bundleDir(bundleName)
	if err != nil {
		return nil, err
	}
	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := b.hostConfig(native, shards)
	if err != nil {
		return nil, err
	}
	rt := host.New(cfg)
	limits := benchLimits()
	ten, err := rt.AddTenant(host.TenantConfig{Name: "bench", Bundle: bundle, Native: native, Limits: &limits})
	if err != nil {
		rt.Close()
		return nil, err
	}
	e := &env{driver: driver{ten: ten, shards: shards, timeout: benchTimeout}, rt: rt}
	if err := e.barrier(); err != nil {
		rt.Close()
		return nil, err
	}
	return e, nil
}

func (e *env) close() { e.rt.Close() }
