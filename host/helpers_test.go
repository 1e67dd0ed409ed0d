package host

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// One engine for the package's tests: compiling the guest is the slow part.
var (
	engineOnce sync.Once
	engine     *sandbox.Engine
	engineErr  error
)

func testEngine(t testing.TB) *sandbox.Engine {
	engineOnce.Do(func() { engine, engineErr = sandbox.NewEngine(sandbox.EngineConfig{}) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

// modes are the two ways every behaviour test runs.
var modes = []struct {
	name   string
	native bool
}{{"sandbox", false}, {"native", true}}

// writeBundle writes files (path -> Lua source) into a temporary bundle.
func writeBundle(t testing.TB, files map[string]string) *tenants.Bundle {
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := tenants.OpenBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// logLines collects print output.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) add(_, _, line string) {
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newTestRuntime starts a runtime with one tenant over bundle.
func newTestRuntime(t testing.TB, native bool, shards int, bundle *tenants.Bundle) (*Runtime, *Tenant, *logLines) {
	logs := &logLines{}
	cfg := Config{Shards: shards, Log: logs.add}
	if !native {
		cfg.Engine = testEngine(t)
	}
	rt := New(cfg)
	t.Cleanup(rt.Close)
	ten, err := rt.AddTenant(TenantConfig{Name: "test", Bundle: bundle, Native: native})
	if err != nil {
		t.Fatal(err)
	}
	return rt, ten, logs
}

// run spawns process id of ten on the default host and waits for its exit.
func run(t testing.TB, ten *Tenant, id string) Exit {
	t.Helper()
	_, exit, err := ten.Spawn(id, DefaultHost, nil)
	if err != nil {
		t.Fatalf("spawn %s: %v", id, err)
	}
	return wait(t, exit)
}

// spawnN spawns n processes id of ten on the default host and returns
// their exit channels.
func spawnN(t testing.TB, ten *Tenant, id string, n int) []<-chan Exit {
	t.Helper()
	exits := make([]<-chan Exit, 0, n)
	for range n {
		_, exit, err := ten.Spawn(id, DefaultHost, nil)
		if err != nil {
			t.Fatalf("spawn %s: %v", id, err)
		}
		exits = append(exits, exit)
	}
	return exits
}

// wait returns a process's exit or fails the test after a generous timeout
// (a hang is a failure; no wall-clock performance is asserted).
func wait(t testing.TB, exit <-chan Exit) Exit {
	t.Helper()
	select {
	case e := <-exit:
		return e
	case <-time.After(60 * time.Second):
		t.Fatal("process did not exit within 60s")
	}
	return Exit{}
}
