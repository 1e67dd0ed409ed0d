package host

import (
	"errors"
	"fmt"
	"log"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// Config configures a Runtime. The zero value is usable.
type Config struct {
	// Shards is the number of scheduler goroutines; default the number of CPUs.
	Shards int
	// Node is this runtime's node number, carried in every PID.
	Node uint32
	// Log receives every line processes print. Default: discarded.
	Log func(tenant, pid, line string)
	// Warn receives the runtime's own reports about a tenant, such as a
	// crashed sandbox with what its guest wrote to stderr. Default: the
	// standard logger.
	Warn func(tenant, message string)
	// Exited, if set, is called for every process exit, normal or not, once
	// the process is out of the table and its names are released, and
	// before its monitors, links and caller are told: an exit is reported
	// before the exits it causes. source is the source ID the process ran.
	Exited func(tenant, pid, source string, e Exit)
	// Denied, if set, is called for every request a tenant's policy refused.
	Denied func(tenant string, r policies.Request, err error)
	// Engine compiles and instantiates wasm sandboxes. Default: one engine
	// shared by the process's runtimes (created on the first sandboxed
	// tenant), with the compilation cache in the user's cache directory.
	Engine *sandbox.Engine
}

// Runtime is a Moonbox node: tenants, their processes and the shards that run them.
type Runtime struct {
	cfg    Config
	shards []*shard
	done   chan struct{}
	loops  sync.WaitGroup // shard goroutines, their relief and the watchdog
	seq    atomic.Uint64
	// tenantSeq numbers tenants as they are added (PIDs carry the number).
	tenantSeq atomic.Uint32

	// quiet tells whether the runtime can make progress by itself (blocked.go).
	quiet quietness

	// awake counts the goroutines serving shards that are not asleep (the
	// shards' own and their relief servers); below procs, a processor is
	// free for a relief server (relief.go).
	awake atomic.Int32
	procs int32

	// The weights of the tenants that had a turn lately (fairshare.go), in
	// thousandths, and when they were summed (UnixNano).
	weightSum atomic.Int64
	weightAt  atomic.Int64

	engine *sandbox.Engine // Config.Engine, or nil for the shared default

	table processTable

	mu      sync.RWMutex
	tenants []*Tenant
	closed  bool
}

// New starts a runtime's shards.
func New(cfg Config) *Runtime {
	if cfg.Shards <= 0 {
		cfg.Shards = runtime.NumCPU()
	}
	if cfg.Log == nil {
		cfg.Log = func(string, string, string) {}
	}
	if cfg.Warn == nil {
		cfg.Warn = func(tenant, message string) { log.Printf("moonbox: tenant %s: %s", tenant, message) }
	}
	rt := &Runtime{cfg: cfg, done: make(chan struct{}), engine: cfg.Engine,
		procs: int32(runtime.GOMAXPROCS(0))}
	rt.awake.Store(int32(cfg.Shards))
	for i := 0; i < cfg.Shards; i++ {
		s := &shard{id: i, rt: rt, wake: make(chan struct{}, 1), idleSpell: pollMin / 2, pollFor: pollMin}
		s.servers = []*server{{}}
		rt.shards = append(rt.shards, s)
	}
	// Every shard exists before any runs: a sleeping shard looks at the others (lend).
	for _, s := range rt.shards {
		rt.loops.Add(1)
		go s.loop(s.servers[0])
	}
	rt.loops.Add(1)
	go rt.watch()
	return rt
}

// Close stops the shards and releases every instance. Processes still
// running are abandoned without exit notifications.
func (rt *Runtime) Close() {
	rt.mu.Lock()
	if rt.closed {
		rt.mu.Unlock()
		return
	}
	rt.closed = true
	tenants := rt.tenants
	rt.mu.Unlock()
	close(rt.done)
	// An instance must not be closed while a shard is inside one of its
	// steps: its memory would be unmapped under the running guest. A step
	// inside an uninterruptible Go builtin (a backtracking pattern, say) can
	// last seconds; after closeWait the instances are left to the garbage
	// collector (their memory is unmapped by a cleanup when unreachable)
	// rather than making Close wait on hostile code.
	stopped := make(chan struct{})
	go func() { rt.loops.Wait(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(closeWait):
		rt.cfg.Warn("", fmt.Sprintf("runtime closed while a shard was still inside a step after %s; its instances are abandoned", closeWait))
		return
	}
	for _, t := range tenants {
		t.close()
	}
}

// closeWait bounds how long Close waits for the shards to finish their steps.
const closeWait = 2 * time.Second

// Engines are shared by every runtime of the process, one per memory cap
// (a wazero runtime has one cap for all its instances): compiling the guest
// is the expensive part, and a compiled module is read-only.
var (
	enginesMu sync.Mutex
	engines   = map[uint32]*sandbox.Engine{}
)

// sandboxEngine returns the engine for instances of memoryPages pages.
func (rt *Runtime) sandboxEngine(memoryPages uint32) (*sandbox.Engine, error) {
	if rt.engine != nil {
		return rt.engine, nil
	}
	enginesMu.Lock()
	defer enginesMu.Unlock()
	if e := engines[memoryPages]; e != nil {
		return e, nil
	}
	e, err := sandbox.NewEngine(sandbox.EngineConfig{MemoryLimitPages: memoryPages})
	if err != nil {
		return nil, err
	}
	engines[memoryPages] = e
	return e, nil
}

// ShardOf is the shard of a process among shards: xxhash(pid) % shards.
// The one placement function: tools that place processes on purpose (the
// bench, the stress harness) call it too.
func ShardOf(pid string, shards int) int {
	return int(xxhash.Sum64String(pid) % uint64(shards))
}

// shardOf places a process: xxhash of its PID modulo the shard count.
func (rt *Runtime) shardOf(pid string) int {
	return ShardOf(pid, len(rt.shards))
}

func (rt *Runtime) lookup(pid string) *process {
	return rt.table.lookup(pid)
}

// Processes is the number of live processes.
func (rt *Runtime) Processes() int {
	return rt.table.len()
}

// ErrClosed is returned by calls on a closed runtime.
var ErrClosed = errors.New("host: runtime closed")

// AddTenant registers a tenant.
func (rt *Runtime) AddTenant(cfg TenantConfig) (*Tenant, error) {
	if cfg.Name == "" {
		return nil, fmt.Errorf("host: tenant needs a name")
	}
	if cfg.Bundle == nil {
		return nil, fmt.Errorf("host: tenant %s needs a bundle", cfg.Name)
	}
	policy := cfg.Policy
	if policy == nil {
		policy = policies.AllowAll()
	}
	limits := tenants.DefaultLimits()
	if cfg.Limits != nil {
		limits = *cfg.Limits
		if err := limits.Check(); err != nil {
			return nil, fmt.Errorf("host: tenant %s: %w", cfg.Name, err)
		}
	}
	if len(cfg.Hosts) == 0 {
		cfg.Hosts = []string{DefaultHost}
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.closed {
		return nil, ErrClosed
	}
	for _, t := range rt.tenants {
		if t.name == cfg.Name {
			return nil, fmt.Errorf("host: tenant %s already exists", cfg.Name)
		}
	}
	t := &Tenant{
		rt:        rt,
		index:     rt.tenantSeq.Add(1), // never reused: a removed tenant's PIDs stay NOT_FOUND
		name:      cfg.Name,
		hosts:     map[string]bool{},
		native:    cfg.Native,
		limits:    limits,
		guard:     policies.NewGuard(policy, policies.DefaultCacheSize),
		spawns:    newRateLimiter(limits.SpawnsPerSecond),
		cpu:       newCPURate(limits.CPURate),
		share:     newFairShare(limits.CPUWeight),
		instances: make([]*instance, len(rt.shards)),
		counters:  counters{messages: newStriped(len(rt.shards)), instructions: newStriped(len(rt.shards))},
	}
	t.bundle.Store(cfg.Bundle)
	for _, h := range cfg.Hosts {
		if !t.hosts[h] {
			t.hostList = append(t.hostList, h)
		}
		t.hosts[h] = true
	}
	rt.tenants = append(rt.tenants, t)
	return t, nil
}
