package main

import (
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// `moonbox stress` runs a well-behaved tenant next to each attacker bundle of
// examples/hostile and reports whether the attacker was contained: the
// neighbour's throughput and p99 latency next to the attacker as ratios to
// the same neighbour running alone, messages lost, how and how fast the
// attack ended. docs/ISOLATION.md holds a run's table and what it means.
//
// Each attack is one row, measured in a runtime of its own (the runtime API
// can neither remove a tenant nor end its processes, so an attacker still
// running after its row would burden every later row). In that runtime the
// tenant "good" plays ping-pong without pause from before the solo window to
// after the attack: ping on one shard, pong on another, one empty print line
// per round trip, which the Log callback timestamps in Go. So every round
// trip is timed outside the sandbox, with time.Now() at the moment the guest
// hands the line to the host. The phases of a row:
//
//  1. warm-up: round trips until the sources are compiled and the rate settles;
//  2. solo: the good tenant alone for --duration;
//  3. attack: the attacker's tenant is added and its main spawned; --duration;
//  4. grace: up to a few seconds more for the attacker to end;
//  5. after: the good tenant must still complete round trips;
//  6. stop: ping drains what it is owed and both report their counts.

//go:embed stress
var stressFS embed.FS

const stressUsage = `usage: moonbox stress [--json] [--duration D] [--quick] [--shards N] [--bundles DIR] [--cpuprofile F] [ATTACK[:ARG]...]

Runs the well-behaved tenant "good" (ping-pong, every round trip timed in Go)
alone and then next to each ATTACK, each attack in a runtime of its own, and
prints one row per attack: how the attacker ended and how fast, the
neighbour's throughput and p99 latency next to it as ratios to running
alone, messages lost, host memory, and PASS or FAIL against the goals
(throughput >= 80% of solo, p99 < 5x solo, no message lost, the attacker
ended or contained, the runtime still serving). The exit code is 0 when
every row passes, 1 otherwise.

An ATTACK is a bundle directory (with a tenant.yaml) in the bundles
directory, which defaults to examples/hostile looked up from the current
directory and its parents. Its main runs once per argument listed on a
"-- stress: ARG..." line of its main.lua, or once with the ARG given as
ATTACK:ARG. "control" is a second well-behaved tenant, the baseline. Default:
control and every bundle. docs/ISOLATION.md explains the figures.
`

// The goals every row is judged against.
const (
	stressMinThroughput = 0.80 // neighbour's round trips/s next to the attacker, over solo
	stressMaxP99        = 5.0  // neighbour's p99 next to the attacker, over solo
)

// stressOrder is the order the known attacks run and print in; bundles not
// listed follow in name order.
var stressOrder = []string{
	"infinite-loop", "pcall-loop", "recursion-bomb", "table-bomb", "string-bomb", "pattern-bomb",
	"spawn-bomb", "mailbox-flood", "amplification", "link-cascade", "huge-payloads", "abi-misuse",
	"timer-flood", "expensive-builtins",
}

type stress struct {
	json     bool
	quick    bool
	shards   int
	duration time.Duration // solo and attack windows
	grace    time.Duration // how long past the attack window the attacker may take to end
	after    time.Duration // the after window
	warm     int           // warm-up round trips
	stdout   io.Writer
	stderr   io.Writer

	dir     string // attacker bundles
	good    string // the good tenant's bundle, written from stressFS
	control string // the control tenant's bundle, written from stressFS
}

func cmdStress(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per attack instead of the table")
	quick := fs.Bool("quick", false, "short windows (for CI: proves the properties, the figures are rough)")
	duration := fs.Duration("duration", 3*time.Second, "length of the solo window and of the attack window")
	shards := fs.Int("shards", 2, "scheduler shards")
	dir := fs.String("bundles", "", "directory of attacker bundles (default: examples/hostile)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, stressUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *shards < 1 {
		fmt.Fprintln(stderr, "moonbox: stress: --shards must be at least 1")
		return exitUsage
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	s := &stress{json: *asJSON, quick: *quick, shards: *shards, duration: *duration,
		grace: 10 * time.Second, after: time.Second, warm: 2000, stdout: stdout, stderr: stderr}
	if *quick {
		if !durationSet {
			s.duration = 500 * time.Millisecond
		}
		s.grace, s.after, s.warm = 5*time.Second, 200*time.Millisecond, 300
	}
	if s.duration < 10*time.Millisecond {
		fmt.Fprintln(stderr, "moonbox: stress: --duration must be at least 10ms")
		return exitUsage
	}
	var err error
	if s.dir, err = stressBundles(*dir); err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	attacks, err := s.selectAttacks(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	defer stopProfile()
	tmp, err := os.MkdirTemp("", "moonbox-stress-")
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitAbnormal
	}
	defer os.RemoveAll(tmp)
	if s.good, err = stressWriteBundle(tmp, "stress/good"); err == nil {
		s.control, err = stressWriteBundle(tmp, "stress/control")
	}
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitAbnormal
	}
	return s.runAll(attacks)
}

// stressBundles finds the attacker bundles directory.
func stressBundles(dir string) (string, error) {
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", fmt.Errorf("bundles directory %s: not a directory", dir)
		}
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "examples", "hostile")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no examples/hostile in %s or its parents: pass --bundles DIR", wd)
		}
	}
}

// selectAttacks lists the bundles to run: the named ones, or all, in stressOrder.
func (s *stress) selectAttacks(names []string) ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var all []string
	variants := map[string][]string{}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(s.dir, e.Name(), "tenant.yaml")); err == nil {
			all = append(all, e.Name())
			variants[e.Name()] = stressVariants(filepath.Join(s.dir, e.Name(), "main.lua"))
		}
	}
	rank := func(n string) int {
		if i := slices.Index(stressOrder, n); i >= 0 {
			return i
		}
		return len(stressOrder)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if ri, rj := rank(all[i]), rank(all[j]); ri != rj {
			return ri < rj
		}
		return all[i] < all[j]
	})
	if len(all) == 0 {
		return nil, fmt.Errorf("no attacker bundles (directories with a tenant.yaml) in %s", s.dir)
	}
	if len(names) == 0 {
		names = append([]string{stressControl}, all...)
	}
	var out []string
	add := func(spec string) {
		if !slices.Contains(out, spec) {
			out = append(out, spec)
		}
	}
	for _, n := range names {
		name, arg, hasArg := strings.Cut(n, ":")
		if name == stressControl && !hasArg {
			add(name)
			continue
		}
		if !slices.Contains(all, name) {
			return nil, fmt.Errorf("unknown attack %q (bundles in %s: %s)", name, s.dir, strings.Join(all, ", "))
		}
		switch {
		case hasArg:
			add(name + ":" + arg)
		case len(variants[name]) == 0:
			add(name)
		default:
			for _, v := range variants[name] {
				add(name + ":" + v)
			}
		}
	}
	bundle := func(spec string) int { name, _, _ := strings.Cut(spec, ":"); return slices.Index(all, name) } // control: -1, first
	sort.SliceStable(out, func(i, j int) bool { return bundle(out[i]) < bundle(out[j]) })
	return out, nil
}

// stressControl is the row of a well-behaved second tenant (an embedded
// bundle, not an attack): the baseline the attack rows are read against.
const stressControl = "control"

// stressVariants reads the "-- stress: ARG..." line of an attacker's main.lua:
// the arguments main runs with in a stress run, one row each.
func stressVariants(file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- stress:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// stressWriteBundle writes the .lua files of an embedded directory into a
// directory of tmp and returns it.
func stressWriteBundle(tmp, src string) (string, error) {
	dir := filepath.Join(tmp, path.Base(src))
	return dir, copyLua(stressFS, src, dir)
}

func (s *stress) progress(format string, args ...any) {
	fmt.Fprintf(s.stderr, "stress: "+format+"\n", args...)
}

// --- measurements -----------------------------------------------------------

// stressPhase is the good tenant's figures over one window.
type stressPhase struct {
	Secs       float64 `json:"secs"`
	RoundTrips int     `json:"round_trips"`
	Rate       float64 `json:"rt_per_s"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	Max        float64 `json:"max_us"`
	// Stalled is the share of the window spent in round trips slower than
	// stressMaxP99 x the solo p99 (set for the attack window only). A
	// stalled neighbour completes few round trips, so it weighs little in
	// a percentile of round trips; this weighs each by its duration.
	Stalled float64 `json:"stalled_share"`
}

// stressClock collects the times of the good ping's lines, as nanoseconds
// since base.
type stressClock struct {
	base time.Time
	mu   sync.Mutex
	pid  string
	ts   []int64
	// lines printed by other tenants (attackers may flood the log)
	others atomic.Int64
}

func (c *stressClock) now() int64 { return int64(time.Since(c.base)) }

func (c *stressClock) log(tenant, pid, _ string) {
	if tenant != "good" {
		c.others.Add(1)
		return
	}
	t := c.now()
	c.mu.Lock()
	if pid == c.pid {
		c.ts = append(c.ts, t)
	}
	c.mu.Unlock()
}

func (c *stressClock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ts)
}

// phase computes the figures of window [from, to): every round trip that
// completed in it is one latency sample (the time since the previous one
// completed), and a round trip still in progress at the end of the window is
// one more sample of its time so far, so a neighbour that is stalled shows as
// a long latency rather than as no data.
func (c *stressClock) phase(from, to int64) stressPhase {
	c.mu.Lock()
	ts := c.ts
	c.mu.Unlock()
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	j := sort.Search(len(ts), func(i int) bool { return ts[i] >= to })
	var lat []float64
	prev := int64(-1)
	if i > 0 {
		prev = ts[i-1]
	}
	for k := i; k < j; k++ {
		if prev >= 0 {
			lat = append(lat, float64(ts[k]-prev)/1e3)
		}
		prev = ts[k]
	}
	if prev >= 0 && to > prev {
		lat = append(lat, float64(to-prev)/1e3)
	}
	p := stressPhase{Secs: float64(to-from) / 1e9, RoundTrips: j - i}
	p.Rate = float64(p.RoundTrips) / p.Secs
	if len(lat) > 0 {
		sort.Float64s(lat)
		p.P50, p.P99, p.Max = stressPct(lat, 0.50), stressPct(lat, 0.99), lat[len(lat)-1]
	}
	return p
}

// stalled is the share of [from, to) spent in round trips (completed in it,
// or in progress at its end) longer than threshold microseconds; the part
// of a slow round trip that began before the window does not count.
func (c *stressClock) stalled(from, to int64, threshold float64) float64 {
	c.mu.Lock()
	ts := c.ts
	c.mu.Unlock()
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	j := sort.Search(len(ts), func(i int) bool { return ts[i] >= to })
	var slow int64
	prev := from
	if i > 0 {
		prev = ts[i-1]
	}
	add := func(start, end int64) {
		if float64(end-start)/1e3 > threshold {
			slow += end - max(start, from)
		}
	}
	for k := i; k < j; k++ {
		add(prev, ts[k])
		prev = ts[k]
	}
	add(prev, to)
	return float64(slow) / float64(to-from)
}

// stressPct is the nearest-rank percentile of sorted xs.
func stressPct(xs []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

// hostHeap is the host's live Go heap (runtime/metrics: no stop-the-world).
func stressHostHeap() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return sample[0].Value.Uint64()
	}
	return 0
}

// stressGC collects twice: objects with finalizers (wazero's) and what they
// reach are freed only by the second collection.
func stressGC() {
	runtime.GC()
	runtime.GC()
}

// --- one row ----------------------------------------------------------------

// stressRow is what one attack did and what its neighbour saw.
type stressRow struct {
	Attack string `json:"attack"`
	Limits string `json:"limits"`

	Solo  stressPhase `json:"solo"`
	Under stressPhase `json:"under_attack"`
	// While: from the attacker's spawn until it ended (or the window's end).
	While stressPhase `json:"while_attacker_alive"`
	After stressPhase `json:"after"`

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

	Load   string   `json:"load_average"`
	Pass   bool     `json:"pass"`
	Fails  []string `json:"fails,omitempty"`
	Errors []string `json:"errors,omitempty"` // the harness could not measure
}

// stressEnv is one row's runtime.
type stressEnv struct {
	s     *stress
	rt    *host.Runtime
	good  *host.Tenant
	clock *stressClock

	warnMu sync.Mutex
	warns  []string // "tenant: message"
}

func (e *stressEnv) warn(tenant, message string) {
	e.warnMu.Lock()
	e.warns = append(e.warns, tenant+": "+message)
	e.warnMu.Unlock()
}

func (e *stressEnv) warnings(tenant string) []string {
	e.warnMu.Lock()
	defer e.warnMu.Unlock()
	var out []string
	for _, w := range e.warns {
		if strings.HasPrefix(w, tenant+": ") {
			out = append(out, strings.TrimPrefix(w, tenant+": "))
		}
	}
	return out
}

func (e *stressEnv) shardOf(pid string) int {
	return host.ShardOf(pid, e.s.shards)
}

// stressWait waits for an exit, at most d.
func stressWait(exit <-chan host.Exit, d time.Duration) (host.Exit, bool) {
	select {
	case x := <-exit:
		return x, true
	case <-time.After(d):
		return host.Exit{}, false
	}
}

// post sends a message on the harness's behalf through a short-lived process.
func (e *stressEnv) post(dest, topic string, payload ...string) error {
	pid, exit, err := e.good.Spawn("post", host.DefaultHost, host.Args(append([]string{dest, topic}, payload...)...))
	if err != nil {
		return err
	}
	x, ok := stressWait(exit, 30*time.Second)
	if !ok {
		return fmt.Errorf("post %s to %s: %s still running after 30s", topic, dest, pid)
	}
	if x.Abnormal {
		return fmt.Errorf("post %s to %s: %s: %s", topic, dest, x.Kind, x.Error)
	}
	return nil
}

func stressDecode(value []byte) any {
	var v any
	if len(value) == 0 || cbor.Unmarshal(value, &v) != nil {
		return nil
	}
	return toJSON(v)
}

func stressNum(m map[string]any, key string) int64 {
	switch v := m[key].(type) {
	case float64:
		return int64(v)
	case uint64:
		return int64(v)
	case int64:
		return v
	}
	return 0
}

func describeExit(x host.Exit) string {
	if x.Abnormal {
		return x.Kind + ": " + x.Error
	}
	line, err := exitJSON(x.Value)
	if err != nil {
		return "normal exit (undecodable value)"
	}
	return "returned " + line
}

// runRow measures one attack and judges it.
func (s *stress) runRow(attack string) *stressRow {
	row, ping, pong := s.measureRow(attack)
	s.judge(row, ping, pong)
	return row
}

// measureRow measures one attack; ping and pong are the good tenant's
// accounting (nil if it never came).
func (s *stress) measureRow(attack string) (row *stressRow, pi, po map[string]any) {
	row = &stressRow{Attack: attack, MainExitMs: -1, StopMs: -1, Load: stressLoadAverage()}
	fail := func(format string, args ...any) { row.Errors = append(row.Errors, fmt.Sprintf(format, args...)) }

	name, arg, hasArg := strings.Cut(attack, ":")
	var mainArgs []string
	if hasArg {
		mainArgs = []string{arg}
	}
	dir := filepath.Join(s.dir, name)
	var conf *tenants.Config
	var err error
	if attack == stressControl {
		dir = s.control
		conf = &tenants.Config{Name: stressControl, Hosts: []string{host.DefaultHost}, Isolation: tenants.Sandbox, Limits: tenants.DefaultLimits(), Dir: dir}
	} else if conf, err = tenants.LoadConfig(dir); err != nil {
		fail("%v", err)
		return row, nil, nil
	}
	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		fail("%v", err)
		return row, nil, nil
	}
	row.Limits = stressLimits(conf.Limits)
	goodBundle, err := tenants.OpenBundle(s.good)
	if err != nil {
		fail("%v", err)
		return row, nil, nil
	}

	clock := &stressClock{base: time.Now()}
	e := &stressEnv{s: s, clock: clock}
	e.rt = host.New(host.Config{Shards: s.shards, Log: clock.log, Warn: e.warn})
	closed := false
	closeRuntime := func() {
		if closed {
			return
		}
		closed = true
		done := make(chan struct{})
		go func() { e.rt.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(60 * time.Second):
			fail("runtime Close still blocked after 60s (a shard is stuck inside a guest call)")
		}
	}
	defer closeRuntime()

	if e.good, err = e.rt.AddTenant(host.TenantConfig{Name: "good", Bundle: goodBundle}); err != nil {
		fail("good tenant: %v", err)
		return row, nil, nil
	}
	// ping and pong on different shards: an attacker on either is in the way.
	ping, pingExit, err := e.good.Spawn("ping", host.DefaultHost, host.Args())
	if err != nil {
		fail("spawn ping: %v", err)
		return row, nil, nil
	}
	clock.mu.Lock()
	clock.pid = ping
	clock.mu.Unlock()
	var pong string
	var pongExit <-chan host.Exit
	for range 256 {
		pid, exit, err := e.good.Spawn("pong", host.DefaultHost, host.Args())
		if err != nil {
			fail("spawn pong: %v", err)
			return row, nil, nil
		}
		if s.shards == 1 || e.shardOf(pid) != e.shardOf(ping) {
			pong, pongExit = pid, exit
			break
		}
		if err := e.post(pid, "stop"); err != nil {
			fail("%v", err)
			return row, nil, nil
		}
		stressWait(exit, 30*time.Second)
	}
	if pong == "" {
		fail("no pong landed on another shard than ping in 256 spawns")
		return row, nil, nil
	}
	if err := e.post(ping, "go", pong); err != nil {
		fail("%v", err)
		return row, nil, nil
	}
	// Warm-up: s.warm round trips, and at least a tenth of the window.
	warmStart := time.Now()
	for clock.count() < s.warm || time.Since(warmStart) < s.duration/10 {
		if time.Since(warmStart) > 30*time.Second {
			fail("warm-up: %d round trips in 30s", clock.count())
			return row, nil, nil
		}
		time.Sleep(time.Millisecond)
	}

	// The monitor samples the attacker's live processes (all processes but
	// ping and pong) and the host heap for the rest of the row.
	var (
		monMu     sync.Mutex
		attacking bool
		peak      int
		lastLive  int
		heapPeak  uint64
		zeroSince int64 = -1 // clock time the attacker was first seen with no process
	)
	row.HostHeap0 = stressHostHeap()
	stopMon := make(chan struct{})
	monDone := make(chan struct{})
	go func() {
		defer close(monDone)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		n := 0
		for {
			select {
			case <-stopMon:
				return
			case <-tick.C:
			}
			live := e.rt.Processes() - 2
			var heap uint64
			if n%10 == 0 {
				heap = stressHostHeap()
			}
			n++
			monMu.Lock()
			if attacking {
				peak = max(peak, live)
				lastLive = live
				if live <= 0 && zeroSince < 0 {
					zeroSince = clock.now()
				} else if live > 0 {
					zeroSince = -1
				}
			}
			heapPeak = max(heapPeak, heap)
			monMu.Unlock()
		}
	}()
	defer func() {
		select {
		case <-stopMon:
		default:
			close(stopMon)
		}
		<-monDone
	}()

	// Solo.
	t0 := clock.now()
	time.Sleep(s.duration)
	t1 := clock.now()
	row.Solo = clock.phase(t0, t1)

	// Attack.
	stressGC()
	heapBefore := stressHostHeap()
	monMu.Lock()
	attacking, heapPeak = true, heapBefore
	monMu.Unlock()
	ta := clock.now()
	var mainExit <-chan host.Exit
	var attacker *host.Tenant
	tc, err := host.ConfigFor(conf, bundle)
	if err == nil {
		attacker, err = e.rt.AddTenant(tc)
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
		at := clock.now()
		exitMu.Lock()
		exitAt, exitInfo = at, x
		exitMu.Unlock()
	}()
	ended := func() (bool, int64) {
		exitMu.Lock()
		at := exitAt
		exitMu.Unlock()
		monMu.Lock()
		z := zeroSince
		monMu.Unlock()
		if at < 0 || z < 0 {
			return false, -1
		}
		return true, max(at, z)
	}
	time.Sleep(time.Duration(t1 + int64(s.duration) - clock.now()))
	t2 := clock.now()
	row.Under = clock.phase(t1, t2)
	if row.Solo.P99 > 0 {
		row.Under.Stalled = clock.stalled(t1, t2, stressMaxP99*row.Solo.P99)
	}
	for deadline := time.Now().Add(s.grace); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if ok, _ := ended(); ok {
			break
		}
	}
	if ok, at := ended(); ok {
		row.Ended, row.StopMs = true, float64(at-ta)/1e6
		row.While = clock.phase(ta, min(max(at, ta+1), t2))
	} else {
		row.While = clock.phase(ta, t2)
	}
	exitMu.Lock()
	if exitAt >= 0 {
		row.MainExitMs = float64(exitAt-ta) / 1e6
		row.End = describeExit(exitInfo)
		if !exitInfo.Abnormal {
			row.Value = stressDecode(exitInfo.Value)
		}
	}
	exitMu.Unlock()
	if !row.Ended {
		monMu.Lock()
		live := lastLive
		monMu.Unlock()
		if row.End == "" {
			row.End = fmt.Sprintf("still running, contained (%d processes)", live)
		} else {
			row.End += fmt.Sprintf("; still running, contained (%d processes)", live)
		}
	}

	// After: the good tenant must still be served.
	t3 := clock.now()
	for time.Duration(clock.now()-t3) < s.after || (clock.count() == 0) {
		if time.Duration(clock.now()-t3) > 30*time.Second {
			break
		}
		time.Sleep(time.Millisecond)
	}
	row.After = clock.phase(t3, clock.now())
	stressGC()
	row.HostHeap1 = stressHostHeap()

	// Stop the good tenant and read its accounting.
	if err := e.post(ping, "stop"); err != nil {
		fail("stop ping: %v", err)
	}
	row.Good = map[string]any{}
	if x, ok := stressWait(pingExit, 30*time.Second); !ok {
		fail("ping still running 30s after stop")
	} else if x.Abnormal {
		fail("ping exited abnormally: %s: %s", x.Kind, x.Error)
	} else if v, ok := stressDecode(x.Value).(map[string]any); ok {
		row.Good["ping"] = v
	}
	if x, ok := stressWait(pongExit, 30*time.Second); !ok {
		fail("pong still running 30s after stop")
	} else if x.Abnormal {
		fail("pong exited abnormally: %s: %s", x.Kind, x.Error)
	} else if v, ok := stressDecode(x.Value).(map[string]any); ok {
		row.Good["pong"] = v
	}
	pi, _ = row.Good["ping"].(map[string]any)
	po, _ = row.Good["pong"].(map[string]any)
	if pi != nil && po != nil {
		row.Lost = (stressNum(pi, "sent") - stressNum(po, "received")) + (stressNum(po, "sent") - stressNum(pi, "received"))
	}

	close(stopMon)
	<-monDone
	monMu.Lock()
	row.PeakProcs, row.LeftProcs, row.HostHeapPk = peak, max(0, e.rt.Processes()), heapPeak
	monMu.Unlock()
	row.HostHeap0 = heapBefore
	row.LogLines = clock.others.Load()
	row.Warnings = e.warnings(conf.Name)
	for _, w := range row.Warnings {
		if strings.Contains(w, "sandbox crashed") {
			row.Crashes++
		}
	}
	for _, w := range e.warnings("good") {
		fail("good tenant: %s", w)
	}
	closeRuntime()
	return row, pi, po
}

// stressLimits summarizes the limits that differ from the defaults.
func stressLimits(l tenants.Limits) string {
	d := tenants.DefaultLimits()
	var parts []string
	add := func(key string, v, def int64, size bool) {
		if v == def {
			return
		}
		s := strconv.FormatInt(v, 10)
		if size && v%(1<<20) == 0 {
			s = strconv.FormatInt(v>>20, 10) + "MiB"
		} else if size && v%(1<<10) == 0 {
			s = strconv.FormatInt(v>>10, 10) + "KiB"
		}
		parts = append(parts, key+"="+s)
	}
	add("processes", int64(l.Processes), int64(d.Processes), false)
	add("spawns/s", int64(l.SpawnsPerSecond), int64(d.SpawnsPerSecond), false)
	add("mailbox", int64(l.Mailbox), int64(d.Mailbox), false)
	add("payload", l.Payload, d.Payload, true)
	add("names", int64(l.Names), int64(d.Names), false)
	add("links", int64(l.Links), int64(d.Links), false)
	add("call_depth", int64(l.CallDepth), int64(d.CallDepth), false)
	add("memory", l.Memory, d.Memory, true)
	if l.MemorySoft != l.Memory/4*3 {
		add("memory_soft", l.MemorySoft, -1, true)
	}
	add("memory_run", l.MemoryRun, d.MemoryRun, true)
	add("cpu_turn", l.CPUTurn, d.CPUTurn, false)
	add("cpu_total", l.CPUTotal, d.CPUTotal, false)
	add("cpu_rate", l.CPURate, d.CPURate, false)
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

// judge sets Pass and Fails against the goals.
func (s *stress) judge(row *stressRow, ping, pong map[string]any) {
	f := func(format string, args ...any) { row.Fails = append(row.Fails, fmt.Sprintf(format, args...)) }
	if row.Solo.Rate > 0 {
		row.ThroughputRatio = row.Under.Rate / row.Solo.Rate
	}
	if row.Solo.P99 > 0 {
		row.P99Ratio = row.Under.P99 / row.Solo.P99
	}
	if row.ThroughputRatio < stressMinThroughput {
		f("throughput %.3fx of solo < %.2fx", row.ThroughputRatio, stressMinThroughput)
	}
	if !(row.P99Ratio < stressMaxP99) {
		f("p99 %.1fx of solo >= %.0fx", row.P99Ratio, stressMaxP99)
	}
	if ping == nil || pong == nil {
		f("good tenant gave no accounting")
	} else {
		if row.Lost != 0 {
			f("%d messages lost", row.Lost)
		}
		for _, p := range []struct {
			who string
			m   map[string]any
		}{{"ping", ping}, {"pong", pong}} {
			for _, k := range []string{"wrong", "stray", "send_errors"} {
				if n := stressNum(p.m, k); n != 0 {
					f("%s: %d %s", p.who, n, strings.ReplaceAll(k, "_", " "))
				}
			}
		}
	}
	if row.After.RoundTrips == 0 {
		f("no round trip after the attack: the runtime no longer serves the good tenant")
	}
	if v, ok := row.Value.(map[string]any); ok {
		// An attacker's own message accounting, where it keeps one.
		if n := stressNum(v, "lost"); n != 0 {
			f("attacker's own messages lost: %d", n)
		}
		if sur, ok := v["surprises"].([]any); ok && len(sur) > 0 {
			f("%d misuses accepted: %v", len(sur), sur)
		}
	}
	row.Fails = append(row.Fails, row.Errors...)
	row.Pass = len(row.Fails) == 0
	if row.End == "" && len(row.Errors) > 0 {
		row.End = "not measured: " + row.Errors[0]
	}
}

// --- the run ----------------------------------------------------------------

func (s *stress) runAll(attacks []string) int {
	start := time.Now()
	load0 := stressLoadAverage()
	s.progress("%d attacks, %d shards, %s windows, load average %s", len(attacks), s.shards, s.duration, load0)
	var rows []*stressRow
	enc := json.NewEncoder(s.stdout)
	for _, a := range attacks {
		s.progress("%s", a)
		t0 := time.Now()
		row := s.runRow(a)
		verdict := "PASS"
		if !row.Pass {
			verdict = "FAIL: " + strings.Join(row.Fails, "; ")
		}
		s.progress("%s: %s in %s; %s", a, row.End, time.Since(t0).Round(time.Millisecond), verdict)
		if s.json {
			enc.Encode(row)
		}
		rows = append(rows, row)
	}
	if !s.json {
		s.printTable(rows, start, load0)
	}
	for _, r := range rows {
		if !r.Pass {
			return exitAbnormal
		}
	}
	return exitOK
}

func stressLoadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func stressMs(ms float64) string {
	switch {
	case ms < 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.1fms", ms)
	case ms < 10000:
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.1fs", ms/1000)
}

func stressUs(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2fs", us/1e6)
	case us >= 1e4:
		return fmt.Sprintf("%.1fms", us/1e3)
	case us >= 1e3:
		return fmt.Sprintf("%.2fms", us/1e3)
	}
	return fmt.Sprintf("%.0fµs", us)
}

func stressRate(r float64) string {
	if r >= 1e4 {
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

func stressMiB(b uint64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

func (s *stress) printTable(rows []*stressRow, start time.Time, load0 string) {
	w := s.stdout
	quick := ""
	if s.quick {
		quick = ", --quick (short windows: rough figures)"
	}
	fmt.Fprintf(w, "moonbox stress: %s, %s/%s, %d CPUs, %d shards, %s windows%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), s.shards, s.duration, quick)
	fmt.Fprintf(w, "load average: %s at start, %s at end; %s\n", load0, stressLoadAverage(), time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(w, "goals: neighbour throughput >= %.0f%% of solo, p99 < %.0fx solo, 0 messages lost, attacker ended or contained, runtime still serving\n\n", stressMinThroughput*100, stressMaxP99)
	head := []string{"attack", "how it ended", "stop", "procs", "solo rt/s", "thr", "thr alive", "solo p99", "p99 x", "max", "stalled", "lost", "heap+", "kept", "result"}
	tbl := [][]string{head}
	ratio := func(a, b float64) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	for _, r := range rows {
		end := r.End
		if len([]rune(end)) > 60 {
			end = string([]rune(end)[:57]) + "..."
		}
		if r.Crashes > 0 {
			end += fmt.Sprintf(" [%d instance crash]", r.Crashes)
		}
		verdict := "PASS"
		if !r.Pass {
			verdict = "FAIL"
		}
		heap, kept := "-", "-"
		if r.HostHeapPk > r.HostHeap0 {
			heap = stressMiB(r.HostHeapPk - r.HostHeap0)
		}
		if r.HostHeap1 > r.HostHeap0 {
			kept = stressMiB(r.HostHeap1 - r.HostHeap0)
		}
		tbl = append(tbl, []string{r.Attack, end, stressMs(r.StopMs), strconv.Itoa(r.PeakProcs),
			stressRate(r.Solo.Rate), fmt.Sprintf("%.2fx", r.ThroughputRatio), ratio(r.While.Rate, r.Solo.Rate),
			stressUs(r.Solo.P99), fmt.Sprintf("%.1fx", r.P99Ratio), stressUs(r.Under.Max), fmt.Sprintf("%.0f%%", 100*r.Under.Stalled),
			strconv.FormatInt(r.Lost, 10), heap, kept, verdict})
	}
	width := make([]int, len(head))
	for _, r := range tbl {
		for i, c := range r {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for i, r := range tbl {
		var b strings.Builder
		for k, c := range r {
			pad := strings.Repeat(" ", width[k]-len([]rune(c)))
			if k >= 2 && k < len(r)-1 { // figures right-aligned
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if k < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if i == 0 {
			total := len(width)*2 - 2
			for _, x := range width {
				total += x
			}
			fmt.Fprintln(w, strings.Repeat("-", total))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "stop: attacker spawn to its last process gone (- : still running at the end of its row); procs: most attacker processes alive at once;")
	fmt.Fprintln(w, "solo rt/s, solo p99: the good tenant alone, just before the attack; thr, p99 x: next to the attacker over the attack window, as ratios to solo;")
	fmt.Fprintln(w, "thr alive: the same while the attacker was alive (from its spawn until it ended, within the window); max: longest round trip in the window;")
	fmt.Fprintf(w, "stalled: share of the attack window spent in round trips slower than %.0fx the solo p99 (a stall yields few round trips, so p99 underweights it);\n", stressMaxP99)
	fmt.Fprintln(w, "lost: messages the good tenant sent that never arrived; heap+: host Go heap peak over its level before the attack; kept: still held after it, after a GC.")
	var notes []string
	for _, r := range rows {
		for _, f := range r.Fails {
			notes = append(notes, fmt.Sprintf("%s: FAIL: %s", r.Attack, f))
		}
		for _, wn := range r.Warnings {
			if i := strings.IndexByte(wn, '\n'); i >= 0 {
				wn = wn[:i]
			}
			notes = append(notes, fmt.Sprintf("%s: runtime warning: %s", r.Attack, wn))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nNotes:")
		for _, n := range notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}
