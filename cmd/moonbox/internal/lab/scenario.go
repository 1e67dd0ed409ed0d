package lab

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// One row of a stress run is a scenario in a runtime of its own. The tenant
// "good" plays ping-pong without pause from before the solo window to after
// the attack: ping on one shard, pong on another, every round trip timed by
// the clock (clk.go). The phases:
//
//  1. warm-up: round trips until the sources are compiled and the rate settles;
//  2. solo: the good tenant alone for the window;
//  3. attack: the attacker's tenant is added and its main spawned; the window;
//  4. grace: up to a few seconds more for the attacker to end;
//  5. after: the good tenant must still complete round trips;
//  6. stop: ping drains what it is owed and both report their counts.

// goodWait bounds each wait for one of the good tenant's processes.
const goodWait = 30 * time.Second

// awaitExit waits for an exit, at most goodWait.
func awaitExit(exit <-chan host.Exit) (host.Exit, bool) {
	select {
	case x := <-exit:
		return x, true
	case <-time.After(goodWait):
		return host.Exit{}, false
	}
}

// StressRow is what one attack did and what its neighbour saw.
type StressRow struct {
	Attack string `json:"attack"`
	Limits string `json:"limits"`

	Solo  StressPhase `json:"solo"`
	Under StressPhase `json:"under_attack"`
	// While: from the attacker's spawn until it ended (or the window's end).
	While StressPhase `json:"while_attacker_alive"`
	After StressPhase `json:"after"`

	ThroughputRatio float64 `json:"throughput_ratio"`
	P99Ratio        float64 `json:"p99_ratio"`

	// The attacker.
	Ended      bool     `json:"ended"`
	End        string   `json:"end"`            // its main's exit: KIND: message, or the exit value's JSON
	MainExitMs float64  `json:"main_exit_ms"`   // spawn to its main's exit (-1: still running)
	StopMs     float64  `json:"stop_ms"`        // spawn to its last process gone (-1: still running)
	PeakProcs  int      `json:"peak_processes"` // most attacker processes alive at once
	LeftProcs  int      `json:"left_processes"` // still alive at the end of the row
	Crashes    int      `json:"instance_crashes"`
	Warnings   []string `json:"warnings,omitempty"`
	Value      any      `json:"value,omitempty"`  // its main's exit value, decoded
	LogLines   int64    `json:"log_lines"`        // lines the attacker printed
	HostHeap0  uint64   `json:"host_heap_before"` // after a GC, before the attack
	HostHeapPk uint64   `json:"host_heap_peak"`   // sampled every 10ms from the attack on
	HostHeap1  uint64   `json:"host_heap_after"`  // after a GC, after the after window

	// The good tenant's own accounting.
	Good map[string]any `json:"good"`
	Lost int64          `json:"lost"`

	// OSProcess: the same neighbour next to the same attacker run as a
	// separate OS process (--os-baseline; not judged).
	OSProcess *OSBaseline `json:"os_process,omitempty"`

	Load   string   `json:"load_average"`
	Pass   bool     `json:"pass"`
	Fails  []string `json:"fails,omitempty"`
	Errors []string `json:"errors,omitempty"` // the harness could not measure
}

// measureRow measures one attack; ping and pong are the good tenant's
// accounting (nil if it never came).
func (s *stress) measureRow(attack string) (row *StressRow, pi, po map[string]any) {
	row = &StressRow{Attack: attack, MainExitMs: -1, StopMs: -1, Load: loadAverage()}
	fail := func(format string, args ...any) { row.Errors = append(row.Errors, fmt.Sprintf(format, args...)) }

	conf, bundle, mainArgs, err := s.openAttack(attack)
	if err != nil {
		fail("%v", err)
		return row, nil, nil
	}
	row.Limits = limitsSummary(conf.Limits)
	goodBundle, err := tenants.OpenBundle(s.good)
	if err != nil {
		fail("%v", err)
		return row, nil, nil
	}

	clk := &clock{base: time.Now()}
	var warns warnings
	rt := host.New(host.Config{Shards: s.Shards, Log: clk.log, Warn: warns.add})
	closed := false
	closeRuntime := func() {
		if closed {
			return
		}
		closed = true
		done := make(chan struct{})
		go func() { rt.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			fail("runtime Close still blocked after 60s (a shard is stuck inside a guest call)")
		}
	}
	defer closeRuntime()

	good, err := startGood(rt, goodBundle, clk, s.Shards)
	if err != nil {
		fail("%v", err)
		return row, nil, nil
	}
	if err := s.warmUp(clk); err != nil {
		fail("%v", err)
		return row, nil, nil
	}

	// The footprint samples the attacker's processes and the host heap for
	// the rest of the row.
	row.HostHeap0 = hostHeap()
	fp := watchFootprint(rt, clk)
	defer fp.end()

	// Solo.
	t0 := clk.now()
	time.Sleep(s.Duration)
	t1 := clk.now()
	row.Solo = clk.phase(t0, t1)

	// Attack.
	collect()
	heapBefore := hostHeap()
	fp.attack(heapBefore)
	ta := clk.now()
	var mainExit <-chan host.Exit
	var attacker *host.Tenant
	tc, err := host.ConfigFor(conf, bundle)
	if err == nil {
		attacker, err = rt.AddTenant(tc)
	}
	if err == nil {
		_, mainExit, err = attacker.Spawn("main", host.DefaultHost, host.Args(mainArgs...))
	}
	if err != nil {
		fail("attacker: %v", err)
		return row, nil, nil
	}
	var (
		exitMu   sync.Mutex
		exitAt   int64 = -1
		exitInfo host.Exit
	)
	rowDone := make(chan struct{})
	defer close(rowDone)
	go func() {
		var x host.Exit
		select {
		case x = <-mainExit:
		case <-rowDone:
			return
		}
		at := clk.now()
		exitMu.Lock()
		exitAt, exitInfo = at, x
		exitMu.Unlock()
	}()
	ended := func() (bool, int64) {
		exitMu.Lock()
		at := exitAt
		exitMu.Unlock()
		z := fp.goneSince()
		if at < 0 || z < 0 {
			return false, -1
		}
		return true, max(at, z)
	}
	time.Sleep(time.Duration(t1 + int64(s.Duration) - clk.now()))
	t2 := clk.now()
	row.Under = clk.phase(t1, t2)
	if row.Solo.P99 > 0 {
		row.Under.Stalled = clk.stalled(t1, t2, maxP99Ratio*row.Solo.P99)
	}
	for deadline := time.Now().Add(s.grace); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ok, _ := ended(); ok {
			break
		}
	}
	if ok, at := ended(); ok {
		row.Ended, row.StopMs = true, float64(at-ta)/1e6
		row.While = clk.phase(ta, min(max(at, ta+1), t2))
	} else {
		row.While = clk.phase(ta, t2)
	}
	exitMu.Lock()
	if exitAt >= 0 {
		row.MainExitMs = float64(exitAt-ta) / 1e6
		row.End = describeExit(exitInfo)
		if !exitInfo.Abnormal {
			row.Value = jsonValue(exitInfo.Value)
		}
	}
	exitMu.Unlock()
	if !row.Ended {
		live := fp.live()
		if row.End == "" {
			row.End = fmt.Sprintf("still running, contained (%d processes)", live)
		} else {
			row.End += fmt.Sprintf("; still running, contained (%d processes)", live)
		}
	}

	// After: the good tenant must still be served.
	t3 := clk.now()
	for time.Duration(clk.now()-t3) < s.after || (clk.count() == 0) {
		if time.Duration(clk.now()-t3) > 30*time.Second {
			break
		}
		time.Sleep(time.Millisecond)
	}
	row.After = clk.phase(t3, clk.now())
	collect()
	row.HostHeap1 = hostHeap()

	// Stop the good tenant and read its accounting.
	pi, po = good.stop(row, fail)

	row.PeakProcs, row.HostHeapPk = fp.end()
	row.LeftProcs = max(0, rt.Processes())
	row.HostHeap0 = heapBefore
	row.LogLines = clk.others.Load()
	row.Warnings = warns.of(conf.Name)
	for _, w := range row.Warnings {
		if strings.Contains(w, "sandbox crashed") {
			row.Crashes++
		}
	}
	for _, w := range warns.of("good") {
		fail("good tenant: %s", w)
	}
	closeRuntime()
	return row, pi, po
}

// openAttack reads an attack's bundle and config ("control": the embedded
// well-behaved tenant) and the arguments its main runs with.
func (s *stress) openAttack(attack string) (*tenants.Config, *tenants.Bundle, []string, error) {
	_, arg, hasArg := strings.Cut(attack, ":")
	var mainArgs []string
	if hasArg {
		mainArgs = []string{arg}
	}
	dir := s.attackDir(attack)
	var conf *tenants.Config
	var err error
	if attack == Control {
		dir = s.control
		conf = &tenants.Config{Name: Control, Hosts: []string{host.DefaultHost}, Isolation: tenants.Sandbox, Limits: tenants.DefaultLimits(), Dir: dir}
	} else if conf, err = tenants.LoadConfig(dir); err != nil {
		return nil, nil, nil, err
	}
	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	return conf, bundle, mainArgs, nil
}

// goodTenant is the well-behaved tenant of a row: ping and pong playing
// without pause, on different shards (an attacker on either is in the way).
type goodTenant struct {
	driver
	ping, pong         string
	pingExit, pongExit <-chan host.Exit
}

// startGood adds the good tenant to rt and starts its ping-pong, ping's
// lines timed by clk.
func startGood(rt *host.Runtime, bundle *tenants.Bundle, clk *clock, shards int) (*goodTenant, error) {
	ten, err := rt.AddTenant(host.TenantConfig{Name: "good", Bundle: bundle})
	if err != nil {
		return nil, fmt.Errorf("good tenant: %v", err)
	}
	g := &goodTenant{driver: driver{ten: ten, shards: shards, timeout: goodWait}}
	if g.ping, g.pingExit, err = g.spawn("ping"); err != nil {
		return nil, fmt.Errorf("spawn ping: %v", err)
	}
	clk.mu.Lock()
	clk.pid = g.ping
	clk.mu.Unlock()
	other := func(shard int) bool { return shards == 1 || shard != g.shardOf(g.ping) }
	if g.pong, g.pongExit, err = g.spawnWhere(other, "pong"); err != nil {
		return nil, fmt.Errorf("spawn pong: %v", err)
	}
	if err := g.post(g.ping, "go", g.pong); err != nil {
		return nil, err
	}
	return g, nil
}

// stop stops ping (which drains what it is owed and stops pong) and reads
// both one's accounting into row (nil for one that gave none); what went
// wrong goes to fail.
func (g *goodTenant) stop(row *StressRow, fail func(string, ...any)) (ping, pong map[string]any) {
	if err := g.post(g.ping, "stop"); err != nil {
		fail("stop ping: %v", err)
	}
	row.Good = map[string]any{}
	for _, p := range []struct {
		who  string
		exit <-chan host.Exit
	}{{"ping", g.pingExit}, {"pong", g.pongExit}} {
		if x, ok := awaitExit(p.exit); !ok {
			fail("%s still running %s after stop", p.who, goodWait)
		} else if x.Abnormal {
			fail("%s exited abnormally: %s: %s", p.who, x.Kind, x.Error)
		} else if v, ok := jsonValue(x.Value).(map[string]any); ok {
			row.Good[p.who] = v
		}
	}
	ping, _ = row.Good["ping"].(map[string]any)
	pong, _ = row.Good["pong"].(map[string]any)
	if ping != nil && pong != nil {
		row.Lost = (count(ping, "sent") - count(pong, "received")) + (count(pong, "sent") - count(ping, "received"))
	}
	return ping, pong
}
