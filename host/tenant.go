package host

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// DefaultHost is the execution pool every tenant has unless configured otherwise.
const DefaultHost = tenants.DefaultHost

// TenantConfig describes a tenant to the runtime.
type TenantConfig struct {
	Name   string
	Bundle *tenants.Bundle
	// Hosts are the host IDs processes may be spawned on; default DefaultHost.
	Hosts []string
	// Native runs the tenant's processes in the host process without the wasm
	// sandbox: for trusted tenants and as the benchmark baseline.
	Native bool
	// Policy is the tenant's permission policy; nil allows everything
	// inside the tenant (a bundle without a policy file).
	Policy *policies.Policy
	// Limits are the tenant's quotas (tenant.yaml's limits); nil takes
	// tenants.DefaultLimits. Each broken limit fails the call that broke it,
	// or ends the process that broke it, never a neighbour.
	Limits *tenants.Limits
}

// ConfigFor turns a loaded tenant.yaml into the runtime's tenant
// configuration, with the policy file it names loaded (a config without one
// has no policy: everything allowed inside the tenant).
func ConfigFor(c *tenants.Config, b *tenants.Bundle) (TenantConfig, error) {
	limits := c.Limits
	tc := TenantConfig{
		Name:   c.Name,
		Bundle: b,
		Hosts:  append([]string(nil), c.Hosts...),
		Native: c.Isolation == tenants.Native,
		Limits: &limits,
	}
	if c.Policy != "" {
		p, err := policies.Load(c.Policy)
		if err != nil {
			return TenantConfig{}, err
		}
		tc.Policy = p
	}
	return tc, nil
}

// Tenant is one tenant inside a runtime: its bundle, its instances (one per
// shard, made on first use) and its name registry.
type Tenant struct {
	rt       *Runtime
	index    uint32
	name     string
	bundle   atomic.Pointer[tenants.Bundle] // swapped by a redeploy: new spawns run the new code
	hosts    map[string]bool
	hostList []string // the hosts in the order declared
	native   bool
	limits   tenants.Limits
	guard    *policies.Guard
	spawns   *rateLimiter
	cpu      *cpuRate // nil: no cpu_rate
	share    *fairShare
	live     atomic.Int64 // live processes
	liveGo   atomic.Int64 // live Go-side processes among them
	counters counters     // what the tenant did, for Stats
	nameSize int          // registered names, under mu

	mu        sync.Mutex
	instances []*instance
	// names maps a registered name to its *process. Changed under mu
	// (register checks and counts as it sets), read without it: a send by
	// name looks it up, and a tenant-wide lock per message would queue
	// every core's senders on one line (a named service on 32-64 cores).
	names    sync.Map
	handlers map[string]GoHandler // Go sources (goprocess.go)
	removed  bool                 // RemoveTenant ran: nothing new starts
}

// Name is the tenant's name.
func (t *Tenant) Name() string { return t.name }

// source is the validated Lua source id of the tenant's current bundle.
func (t *Tenant) source(id string) (*tenants.Source, *abi.Error) {
	return t.bundle.Load().Source(id)
}

// SetBundle replaces the tenant's bundle: processes spawned (and upgrades
// made) from now on run its code; running processes keep theirs.
func (t *Tenant) SetBundle(b *tenants.Bundle) {
	if b != nil {
		t.bundle.Store(b)
	}
}

// SetPolicy swaps the tenant's policy atomically: no check that starts after
// it returns sees the old policy (revocation is immediate).
func (t *Tenant) SetPolicy(p *policies.Policy) { t.guard.Swap(p) }

// ReloadPolicy parses a policy file to the side and swaps it in; a malformed
// file is an error and the old policy stays in force.
func (t *Tenant) ReloadPolicy(path string) error { return t.guard.ReloadFile(path) }

// Explain answers which rule decides a request (moonbox policy explain).
func (t *Tenant) Explain(r policies.Request) policies.Decision { return t.guard.Explain(r) }

// instanceFor returns the tenant's instance on shard i, creating it.
func (t *Tenant) instanceFor(i int) (*instance, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if in := t.instances[i]; in != nil {
		return in, nil
	}
	in := &instance{tenant: t, shard: t.rt.shards[i], procs: map[uint32]*process{}, runIndex: -1}
	if t.native {
		in.g = nativeGuest{vm.New(in, vm.Options{CPURun: t.limits.CPURun})}
	} else {
		e, err := t.rt.sandboxEngine(t.limits.InstancePages(len(t.rt.shards)))
		if err != nil {
			return nil, err
		}
		sb, err := e.NewInstance(in, sandbox.InstanceConfig{Name: t.name, SoftLimit: uint64(t.limits.MemorySoft), CPURun: t.limits.CPURun,
			MemoryRun: t.limits.MemoryRun})
		if err != nil {
			return nil, err
		}
		in.g = sb
	}
	t.instances[i] = in
	return in, nil
}

func (t *Tenant) dropInstance(in *instance) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.instances {
		if x == in {
			t.instances[i] = nil
		}
	}
}

func (t *Tenant) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, in := range t.instances {
		if in != nil {
			in.g.Close()
			t.instances[i] = nil
		}
	}
}

// nativeGuest runs the vm in the host process.
type nativeGuest struct{ *vm.Instance }

func (g nativeGuest) Close()                          { g.Instance.Close() }
func (nativeGuest) Memory(bool) (heap, linear uint64) { return 0, 0 }
func (nativeGuest) Diagnostics() string               { return "" }

// InstanceStats describes one of a tenant's instances.
type InstanceStats struct {
	Shard     int
	Processes int    // live processes the host counts in it
	Heap      uint64 // guest heap in use, bytes (0 in native mode)
	Linear    uint64 // linear memory size, bytes (0 in native mode)
}

// Stats reports the tenant's instances. It waits for each instance's shard
// to be between turns. collect runs a full GC in each guest first (it stalls
// the instance: for measurements, not for monitoring).
func (t *Tenant) Stats(collect bool) []InstanceStats {
	t.mu.Lock()
	instances := append([]*instance(nil), t.instances...)
	t.mu.Unlock()
	var out []InstanceStats
	for _, in := range instances {
		if in == nil {
			continue
		}
		st := InstanceStats{Shard: in.shard.id}
		in.shard.call(func() {
			in.mu.Lock()
			st.Processes = len(in.procs)
			crashed := in.crashed
			in.mu.Unlock()
			if !crashed {
				st.Heap, st.Linear = in.g.Memory(collect)
			}
		})
		out = append(out, st)
	}
	return out
}

// Spawn starts process id on host from outside the runtime (the CLI, a
// server). args is a CBOR array of main's arguments (see Args). The returned
// channel receives the process's Exit.
func (t *Tenant) Spawn(id, host string, args []byte) (string, <-chan Exit, error) {
	ch := make(chan Exit, 1)
	p, err := t.rt.spawn(t, nil, spawnRequest{ID: id, Host: host, Args: args}, func(e Exit) { ch <- e })
	if err != nil {
		return "", nil, err
	}
	return p.pid, ch, nil
}

// Send delivers a message from outside the runtime (msg:from() is nil) to a
// process of the tenant, by PID or registered name. payload is a CBOR array
// (see Args); nil sends no values.
func (t *Tenant) Send(dest, topic string, payload []byte) error {
	if topic == "" || topic[0] == '@' || len(topic) > abi.MaxTopic {
		return abi.Errorf(abi.Invalid, "invalid topic %q", topic)
	}
	if payload == nil {
		payload = abi.AppendArray(nil, 0)
	}
	if err := abi.Validate(payload); err != nil || payload[0]>>5 != 4 {
		return abi.Errorf(abi.Invalid, "payload must be a CBOR array")
	}
	p, err := t.resolve(dest)
	if err != nil {
		return err
	}
	t.rt.deliver(p, "", topic, payload)
	return nil
}

// Args encodes strings as main's arguments.
func Args(ss ...string) []byte {
	b := abi.AppendArray(nil, len(ss))
	for _, s := range ss {
		b = abi.AppendString(b, s)
	}
	return b
}

func (t *Tenant) String() string { return fmt.Sprintf("tenant %s", t.name) }
