package lab

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
)

// The runner drives a tenant of a host runtime from Go: it spawns processes,
// places them on shards and waits for their exits. The bench's Lua-to-Lua
// workloads and the stress run drive the host package rather than the public
// API because what they measure needs what only it has: a process's exit as
// a channel from its spawn on (the public API's Wait can miss an exit that
// comes first), the shard a PID lands on, one compiled sandbox engine shared
// by every runtime of a run, and a runtime with no hooks of the public API's
// on every exit and print (they would be inside every figure).

// driver spawns and waits for the processes of one tenant.
type driver struct {
	ten     *host.Tenant
	shards  int
	timeout time.Duration // bounds every wait: a hang is a failure, not a figure
}

func (d driver) spawn(id string, args ...string) (string, <-chan host.Exit, error) {
	return d.ten.Spawn(id, host.DefaultHost, host.Args(args...))
}

// shardOf is the shard the runtime places pid on.
func (d driver) shardOf(pid string) int { return host.ShardOf(pid, d.shards) }

// wait waits for pid's exit, an error if it is abnormal or late.
func (d driver) wait(pid string, exit <-chan host.Exit) (host.Exit, error) {
	select {
	case x := <-exit:
		if x.Abnormal {
			return x, fmt.Errorf("process %s exited abnormally: %s: %s", pid, x.Kind, x.Error)
		}
		return x, nil
	case <-time.After(d.timeout):
		return host.Exit{}, fmt.Errorf("process %s still running after %s", pid, d.timeout)
	}
}

// run spawns id, waits for its exit and decodes its exit value.
func (d driver) run(id string, args ...string) (map[string]any, error) {
	pid, exit, err := d.spawn(id, args...)
	if err != nil {
		return nil, err
	}
	x, err := d.wait(pid, exit)
	if err != nil {
		return nil, err
	}
	return figures(x.Value), nil
}

// post sends dest a message with string payload values on the runner's
// behalf, through a short-lived process of the bundle's post.lua (the host
// runtime's Go has no process to send from).
func (d driver) post(dest, topic string, payload ...string) error {
	if _, err := d.run("post", append([]string{dest, topic}, payload...)...); err != nil {
		return fmt.Errorf("post %s to %s: %w", topic, dest, err)
	}
	return nil
}

// spawnWhere spawns id until a process lands on a shard where wants; the
// misses get "stop" (the sources spawned this way wait for a first message,
// and stop on it).
func (d driver) spawnWhere(wants func(shard int) bool, id string, args ...string) (string, <-chan host.Exit, error) {
	for range 256 {
		pid, exit, err := d.spawn(id, args...)
		if err != nil {
			return "", nil, err
		}
		if wants(d.shardOf(pid)) {
			return pid, exit, nil
		}
		if err := d.post(pid, "stop"); err != nil {
			return "", nil, err
		}
		if _, err := d.wait(pid, exit); err != nil {
			return "", nil, err
		}
	}
	return "", nil, fmt.Errorf("no process of %s landed on a shard it wants in 256 spawns", id)
}

// spawnOn spawns id on shard (see spawnWhere).
func (d driver) spawnOn(shard int, id string, args ...string) (string, <-chan host.Exit, error) {
	return d.spawnWhere(func(s int) bool { return s == shard }, id, args...)
}

// barrier returns once every record queued so far on every shard has been
// applied and the processes it started have run until they blocked: a
// probe process lands on each shard behind them and exits. The first barrier
// of a runtime also instantiates the tenant on every shard.
func (d driver) barrier() error {
	covered := map[int]bool{}
	type probe struct {
		pid  string
		exit <-chan host.Exit
	}
	var probes []probe
	for tries := 0; len(covered) < d.shards; tries++ {
		if tries > 64*d.shards {
			return fmt.Errorf("barrier: probes reached %d of %d shards", len(covered), d.shards)
		}
		pid, exit, err := d.spawn("probe")
		if err != nil {
			return err
		}
		covered[d.shardOf(pid)] = true
		probes = append(probes, probe{pid, exit})
	}
	for _, p := range probes {
		if _, err := d.wait(p.pid, p.exit); err != nil {
			return err
		}
	}
	return nil
}

// warnings collects the runtime's warnings, "tenant: message" each.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) add(tenant, message string) {
	w.mu.Lock()
	w.list = append(w.list, tenant+": "+message)
	w.mu.Unlock()
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.list...)
}

// of lists the warnings about tenant, without its name.
func (w *warnings) of(tenant string) []string {
	var out []string
	for _, m := range w.all() {
		if rest, ok := strings.CutPrefix(m, tenant+": "); ok {
			out = append(out, rest)
		}
	}
	return out
}
