// Package moonbox runs code you do not trust: tenants' Lua scripts as
// processes (actors, in the Erlang sense) in WebAssembly sandboxes, each
// tenant under its own policy and limits, next to Go code that talks to them
// as processes too.
//
// A [Runtime] holds tenants. [Runtime.Deploy] loads a tenant bundle (a
// directory with tenant.yaml, its Lua sources and its policy file), applies
// the operator's [Config] over what the bundle asks for, and returns a
// [Tenant]. Go code reaches the tenant's processes with [Tenant.Spawn],
// [Tenant.Exec], [Tenant.Send] and [Tenant.Call], and serves them as
// processes of its own: [Tenant.Handle] makes a source ID a Go function that
// Lua starts with process.call or process.spawn, and [Tenant.NewProcess]
// gives Go a PID, a name and a mailbox. Lua reaches Go processes with the
// same process API, under the same policy checks, as it reaches Lua ones.
//
// Values cross between Go and Lua in the wire format of the ABI (CBOR):
// nil, booleans, integers, floats, strings, byte slices (Lua strings),
// slices and arrays (Lua arrays), maps and structs (Lua tables; struct fields
// by their `cbor` or `json` tag), and *[Error] (a Lua error object). A
// [Value] is what comes back: [Value.Decode] fills a Go value, [Value.Any]
// gives plain Go values, and it marshals to JSON.
//
// The machinery lives in the packages below (host, sandbox, tenants,
// policies, abi); an embedding application needs only this one. The Lua API
// is docs/SPEC.md; the operator's and the tenant's configs are
// tenants/TENANT.md.
//
// # Notes
//
// What the application does through a Tenant's methods it does with the
// host's authority: the tenant's policy governs what its processes do, and
// what processes made with [Tenant.NewProcess] do, not the application.
package moonbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// Limits are a tenant's quotas (tenants/TENANT.md describes each).
type Limits = tenants.Limits

// DefaultLimits are the limits of a tenant that sets none, unless the
// [Config] says otherwise.
func DefaultLimits() Limits { return tenants.DefaultLimits() }

// Config configures a [Runtime]. The zero value is usable: safe for bundles
// nobody has read (sandboxed, default limits, native isolation refused).
type Config struct {
	// Shards is the number of scheduler shards; 0 is GOMAXPROCS.
	Shards int
	// Logger receives the runtime's reports, each with the tenant and, where
	// there is one, the PID and source: abnormal exits, limit kills, policy
	// denials, print output, crashed sandboxes, deploys.
	// Default: slog.Default().
	Logger *slog.Logger
	// OnEvent, if set, receives every report as an [Event] too. It is
	// called on the runtime's goroutines: it must not block.
	OnEvent func(Event)
	// Defaults are the limits of a tenant that leaves them out of its
	// tenant.yaml. Zero fields take [DefaultLimits]'s.
	Defaults Limits
	// Ceilings are the most a tenant's tenant.yaml may ask for; a bundle
	// asking for more is refused at deploy with the reason. Zero fields are
	// not capped.
	Ceilings Limits
	// AllowNative lets tenants run with `isolation: native`: without the
	// wasm sandbox, in the host process. Only for code you trust.
	AllowNative bool
}

// Runtime is a running Moonbox: tenants, their processes, and the shards that
// run them. Its methods are safe for concurrent use.
type Runtime struct {
	rt       *host.Runtime
	log      *slog.Logger
	onEvent  func(Event)
	operator tenants.Operator
	logs     logLimiter

	mu      sync.Mutex
	tenants map[string]*Tenant
	closed  bool
}

// New starts a runtime.
func New(cfg Config) (*Runtime, error) {
	if cfg.Shards < 0 {
		return nil, fmt.Errorf("moonbox: Shards must not be negative, got %d", cfg.Shards)
	}
	op := tenants.Operator{Defaults: cfg.Defaults, Ceilings: cfg.Ceilings, AllowNative: cfg.AllowNative}
	if err := op.Check(); err != nil {
		return nil, fmt.Errorf("moonbox: Config.Defaults and Ceilings: %w", err)
	}
	if err := (tenants.Operator{Defaults: cfg.Ceilings}).Check(); err != nil {
		return nil, fmt.Errorf("moonbox: Config.Ceilings: %w", err)
	}
	r := &Runtime{
		log:      cfg.Logger,
		onEvent:  cfg.OnEvent,
		operator: op,
		tenants:  map[string]*Tenant{},
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	r.rt = host.New(host.Config{
		Shards: cfg.Shards,
		Log:    r.printed,
		Warn:   r.warned,
		Exited: r.exited,
		Denied: r.denied,
	})
	return r, nil
}

// Close stops the runtime: every process gets a CANCEL event with ctx's
// deadline, processes still alive when ctx ends are terminated, and the
// shards stop. It returns ctx's error if processes had to be terminated.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ts := make([]*Tenant, 0, len(r.tenants))
	for _, t := range r.tenants {
		ts = append(ts, t)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() { defer wg.Done(); t.stop(ctx) }()
	}
	wg.Wait()
	r.rt.Close()
	if ctx.Err() != nil {
		return fmt.Errorf("moonbox: processes were terminated: %w", ctx.Err())
	}
	return nil
}

// ErrClosed is returned by a closed runtime.
var ErrClosed = errors.New("moonbox: runtime closed")

// ErrNoTenant is returned for a tenant that is not deployed.
var ErrNoTenant = errors.New("moonbox: no such tenant")

// Check validates the bundle in dir as Deploy would, whole, without
// deploying it: its tenant.yaml (against this runtime's defaults, ceilings
// and AllowNative), its policy file and the syntax of every Lua source. Every
// problem found is in the error, one a line.
func (r *Runtime) Check(dir string) (*tenants.Config, error) {
	b, err := r.load(dir)
	if err != nil {
		return nil, err
	}
	return b.cfg, nil
}

// bundle is a checked bundle, ready to deploy.
type bundle struct {
	cfg    *tenants.Config
	files  *tenants.Bundle
	policy *policies.Policy // nil: none (every request allowed inside the tenant)
}

// load reads and checks a bundle.
func (r *Runtime) load(dir string) (*bundle, error) {
	cfg, err := tenants.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := r.operator.Apply(cfg); err != nil {
		return nil, err
	}
	files, err := tenants.OpenBundle(dir)
	if err != nil {
		return nil, err
	}
	b := &bundle{cfg: cfg, files: files}
	var problems []error
	if cfg.Policy != "" {
		if b.policy, err = policies.Load(cfg.Policy); err != nil {
			problems = append(problems, err)
		}
	}
	if err := checkSources(dir); err != nil {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	return b, nil
}

// checkSources parses every .lua file of the bundle: a deploy with a syntax
// error anywhere is refused whole, not found out at the first spawn.
func checkSources(dir string) error {
	var problems []error
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".lua" || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if serr := tenants.Check(filepath.ToSlash(rel), string(text)); serr != nil {
			problems = append(problems, serr)
		}
		return nil
	})
	if err != nil {
		problems = append(problems, err)
	}
	return errors.Join(problems...)
}

// Deploy loads the tenant bundle in dir: its tenant.yaml, under the
// operator's defaults, ceilings and AllowNative; its policy file, enforced on
// every privileged call its processes make (a bundle without one allows
// everything inside the tenant: it can still reach nothing outside it); and
// its Lua sources, each checked. Nothing is deployed unless all of it is
// valid. A tenant of the same name must not be deployed already (see
// [Runtime.Redeploy]).
func (r *Runtime) Deploy(ctx context.Context, dir string) (*Tenant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := r.load(dir)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if _, dup := r.tenants[b.cfg.Name]; dup {
		return nil, fmt.Errorf("moonbox: tenant %s is already deployed (redeploy it instead)", b.cfg.Name)
	}
	tc := host.TenantConfig{Name: b.cfg.Name, Bundle: b.files, Hosts: b.cfg.Hosts, Native: b.cfg.Isolation == tenants.Native,
		Limits: &b.cfg.Limits, Policy: b.policy}
	ht, err := r.rt.AddTenant(tc)
	if err != nil {
		return nil, err
	}
	t := &Tenant{r: r, t: ht, cfg: b.cfg}
	r.tenants[b.cfg.Name] = t
	r.report(Event{Kind: EventDeploy, Tenant: t.Name(), Message: "deployed from " + dir})
	return t, nil
}

// Redeploy replaces the code and policy of a deployed tenant with the bundle
// in dir (whose tenant.yaml names the same tenant): processes spawned from
// now on run the new code under the new policy; running processes keep their
// code and their queued messages. Hosts, isolation and limits are the
// tenant's from its first deploy: a bundle that changes them is refused
// (undeploy and deploy to change them).
func (r *Runtime) Redeploy(ctx context.Context, dir string) (*Tenant, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := r.load(dir)
	if err != nil {
		return nil, err
	}
	t, ok := r.Tenant(b.cfg.Name)
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNoTenant, b.cfg.Name)
	}
	if err := sameShape(t.cfg, b.cfg); err != nil {
		return nil, err
	}
	policy := b.policy
	if policy == nil {
		policy = policies.AllowAll()
	}
	t.t.SetPolicy(policy)
	t.t.SetBundle(b.files)
	t.mu.Lock()
	t.cfg = b.cfg
	t.mu.Unlock()
	r.report(Event{Kind: EventDeploy, Tenant: t.Name(), Message: "redeployed from " + dir})
	return t, nil
}

// sameShape refuses a redeploy that changes what running processes depend on.
func sameShape(old, new *tenants.Config) error {
	switch {
	case fmt.Sprint(old.Hosts) != fmt.Sprint(new.Hosts):
		return fmt.Errorf("moonbox: tenant %s: a redeploy cannot change hosts (%v to %v)", old.Name, old.Hosts, new.Hosts)
	case old.Isolation != new.Isolation:
		return fmt.Errorf("moonbox: tenant %s: a redeploy cannot change isolation (%s to %s)", old.Name, old.Isolation, new.Isolation)
	case old.Limits != new.Limits:
		return fmt.Errorf("moonbox: tenant %s: a redeploy cannot change limits", old.Name)
	}
	return nil
}

// Tenant returns the deployed tenant of that name.
func (r *Runtime) Tenant(name string) (*Tenant, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.tenants[name]
	return t, ok
}

// Tenants lists the deployed tenants.
func (r *Runtime) Tenants() []*Tenant {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts := make([]*Tenant, 0, len(r.tenants))
	for _, t := range r.tenants {
		ts = append(ts, t)
	}
	return ts
}

// Processes is the number of live processes over all tenants.
func (r *Runtime) Processes() int { return r.rt.Processes() }

// forget drops an undeployed tenant.
func (r *Runtime) forget(t *Tenant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tenants[t.Name()] == t {
		delete(r.tenants, t.Name())
	}
}

// stopWait bounds how long Close and Undeploy wait for processes when ctx
// has no deadline.
const stopWait = 5 * time.Second
