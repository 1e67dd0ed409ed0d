package server

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/server/console"
)

// TestConsoleScale measures the console with many tenants (not part of make
// test):
//
//	MOONBOX_LOAD=1 go test -run TestConsoleScale -v ./server/
//
// MOONBOX_CONSOLE_TENANTS tenants (default 100) each run a service that
// spawns MOONBOX_CONSOLE_PROCS idle processes (default 100). It reports the
// overview's first payload and a tick's, a tenant page's, the sampler's
// cost per tick, and Top(20)'s on the largest tenant.
func TestConsoleScale(t *testing.T) {
	if os.Getenv("MOONBOX_LOAD") == "" {
		t.Skip("set MOONBOX_LOAD=1 to run the console's scale measurement")
	}
	tenants, procs := envInt("MOONBOX_CONSOLE_TENANTS", 100), envInt("MOONBOX_CONSOLE_PROCS", 100)
	ts := newTestServer(t, t.TempDir(), nil)
	bundles := t.TempDir()
	for i := range tenants {
		name := fmt.Sprintf("tenant%03d", i)
		dir := filepath.Join(bundles, name)
		os.MkdirAll(filepath.Join(dir, "app"), 0o755)
		os.WriteFile(filepath.Join(dir, "tenant.yaml"), []byte("name: "+name+"\npolicy: policy.csv\nservices:\n  - name: spawner\n    source: app:spawner\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "policy.csv"), []byte("p, *, process.spawn, *, allow\np, *, process.host, app:processes, allow\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "app", "spawner.lua"), []byte(fmt.Sprintf(`return function()
  for i = 1, %d do process.spawn("app:idle", "app:processes") end
  local inbox = process.inbox()
  while true do inbox:receive() end
end`, procs)), 0o644)
		os.WriteFile(filepath.Join(dir, "app", "idle.lua"), []byte(`return function() local x = 0 for i = 1, 5000 do x = x + i end process.inbox():receive() end`), 0o644)
		if code, _, body := ts.deploy(dir); code != http.StatusCreated {
			t.Fatalf("deploy %s: %d %s", name, code, body)
		}
	}
	want := int64(tenants * (procs + 1))
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var live int64
		for _, r := range ts.s.console.Overview().Tenants {
			live += r.Processes
		}
		if live >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d processes live, want %d", live, want)
		}
		time.Sleep(time.Second)
	}

	// The sampler's cost: ten ticks.
	var costs []time.Duration
	for range 10 {
		time.Sleep(time.Second)
		costs = append(costs, ts.s.console.SampleCost())
	}
	slices.Sort(costs)

	c := consoleClient(t)
	consoleLogin(t, ts, c, ts.admin)
	_, young := consoleDo(t, c, "GET", ts.http.URL+"/ui/api/overview", "")
	// Ten minutes of history, sampled at once (the real sampler ticks on
	// meanwhile: it only adds samples).
	at := time.Now()
	for i := range console.History {
		ts.s.console.SampleAt(at.Add(time.Duration(i+1) * time.Second))
	}
	_, full := consoleDo(t, c, "GET", ts.http.URL+"/ui/api/overview", "")
	_, page := consoleDo(t, c, "GET", ts.http.URL+"/ui/api/tenants/tenant000", "")

	// A tick of the stream: the second event.
	resp, err := c.Get(ts.http.URL + "/ui/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	var events []string
	for sc.Scan() && len(events) < 7 {
		if l, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			events = append(events, l)
		}
	}
	resp.Body.Close()
	ticks := events[1:]
	slices.SortFunc(ticks, func(a, b string) int { return len(a) - len(b) })

	start := time.Now()
	tn, _ := ts.s.tenant("tenant000")
	cpu, _ := tn.t.Top(console.TopN)
	topCost := time.Since(start)

	var o console.Overview
	json.Unmarshal([]byte(full), &o)
	t.Logf("%d tenants, %d processes", len(o.Tenants), want)
	t.Logf("sampler tick: median %v, max %v (%v per tenant)", costs[len(costs)/2], costs[len(costs)-1], costs[len(costs)/2]/time.Duration(tenants))
	t.Logf("overview, first payload with 10 s of history: %d bytes (%d per tenant)", len(young), len(young)/tenants)
	t.Logf("overview, first payload with 10 min of history: %d bytes (%d per tenant)", len(full), len(full)/tenants)
	t.Logf("overview, a tick: %d to %d bytes (with and without a sparkline point)", len(ticks[0]), len(ticks[len(ticks)-1]))
	t.Logf("tenant page with 10 min of history: %d bytes (%d processes in its top list)", len(page), len(cpu))
	t.Logf("Top(%d) of a tenant of %d processes: %v", console.TopN, procs+1, topCost)
}
