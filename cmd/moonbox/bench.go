package main

import (
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// `moonbox bench` runs each workload sandboxed and natively in one process
// and prints both figures side by side. The Lua side of every workload is a
// bundle under workloads/ (embedded, written to a temporary directory); the
// Go side here places processes on shards, starts the measured run and reads
// what the Lua side measured from its exit value.

//go:embed workloads
var workloadFS embed.FS

const benchUsage = `usage: moonbox bench [--json] [--quick] [--shards N] [--cpuprofile F] [--memprofile F] [WORKLOAD...]

Runs every WORKLOAD (default: all) sandboxed and natively, in that order, in
one process, and prints a table: sandbox figure, native figure, the ratio
sandbox/native. Workloads:
  send        one-way send throughput, 1 sender -> 1 receiver (same shard, other shard)
  sendN       N senders -> N receivers, placed by PID hash (send16 by default)
  pingpong    round trips/s and round-trip latency percentiles (same shard, other shard)
  fanout      one process sends to K children and waits for K replies, rounds/s
  call        process.call latency (spawn + run + exit + reply)
  hostcall    Lua process.call of a Go-side process (Tenant.Handle) and its reply
  gocall      Go's Tenant.Call of a running, named Lua process and its reply
  fib         CPU-bound Lua fib(27); also in plain gopher-lua in this process
  coldstart   new tenant to the exit of its first process (engine already compiled)
  scaling     send16 throughput with 1 shard and with 2 shards
  spawn10k    process.spawn of 10,000 idle processes: time and memory per process
  spawn100k   the same with 100,000 (these two run last: see BENCHMARKS.md)
`

// benchOrder is the order workloads run (and print) in. The spawn workloads
// come last: a native tenant's idle processes stay behind as parked
// goroutines after their runtime closes, and would burden every later
// native measurement.
var benchOrder = []string{"send", "send16", "pingpong", "fanout", "call", "hostcall", "gocall", "fib", "coldstart", "scaling", "spawn10k", "spawn100k"}

var benchSendN = regexp.MustCompile(`^send([0-9]+)$`)

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per workload and mode instead of the table")
	quick := fs.Bool("quick", false, "shrink every workload (for CI: proves they run, figures are rough)")
	shards := fs.Int("shards", 2, "scheduler shards (scaling always compares 1 and 2)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile (after the last workload) to this file")
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *shards < 1 {
		fmt.Fprintln(stderr, "moonbox: bench: --shards must be at least 1")
		return exitUsage
	}
	names, err := selectWorkloads(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		return exitUsage
	}
	b := &bench{quick: *quick, shards: *shards, json: *asJSON, stdout: stdout, stderr: stderr}
	defer b.close()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		return exitUsage
	}
	defer stopProfile()
	code := b.runAll(names)
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err == nil {
			runtime.GC()
			err = pprof.WriteHeapProfile(f)
			f.Close()
		}
		if err != nil {
			fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		}
	}
	return code
}

// selectWorkloads validates the names on the command line and puts them in
// benchOrder (sendN where send16 is).
func selectWorkloads(args []string) ([]string, error) {
	if len(args) == 0 {
		return benchOrder, nil
	}
	known := map[string]int{}
	for i, n := range benchOrder {
		known[n] = i
	}
	rank := func(name string) int {
		if i, ok := known[name]; ok {
			return i
		}
		return known["send16"] // sendN
	}
	seen := map[string]bool{}
	var names []string
	for _, a := range args {
		if m := benchSendN.FindStringSubmatch(a); m != nil {
			if n, err := strconv.Atoi(m[1]); err != nil || n < 1 || n > 10_000 {
				return nil, fmt.Errorf("workload %s: N must be 1 to 10000", a)
			}
		} else if _, ok := known[a]; !ok {
			return nil, fmt.Errorf("unknown workload %q (want one of %s, or sendN)", a, strings.Join(benchOrder, ", "))
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	return names, nil
}

// bench is one `moonbox bench` run.
type bench struct {
	quick  bool
	shards int
	json   bool
	stdout io.Writer
	stderr io.Writer

	tmp     string            // bundles written from workloadFS
	bundles map[string]string // workload directory -> bundle directory

	engine     *sandbox.Engine // shared by every sandboxed runtime
	engineTime time.Duration   // NewEngine: compile or load from the disk cache, then snapshot

	warnMu sync.Mutex
	warns  []string
}

// size picks a workload size: full or --quick.
func (b *bench) size(full, quick int) int {
	if b.quick {
		return quick
	}
	return full
}

// sizes describes a sizeFor choice for a footnote.
func (b *bench) sizes(sandbox, nat, quick int, what string) string {
	if b.quick {
		return fmt.Sprintf("%s %s", commas(quick), what)
	}
	return fmt.Sprintf("%s %s sandboxed, %s natively", commas(sandbox), what, commas(nat))
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sizeFor picks a size by mode: the sandbox runs this runtime's messaging
// 20-40x slower than native, so its full runs are shorter (the figures are
// rates; each size keeps a run above a second or so).
func (b *bench) sizeFor(native bool, sandbox, nat, quick int) int {
	switch {
	case b.quick:
		return quick
	case native:
		return nat
	}
	return sandbox
}

func (b *bench) close() {
	if b.engine != nil {
		b.engine.Close()
	}
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.stderr, "bench: "+format+"\n", args...)
}

// benchMetric is one figure of one workload in one mode.
type benchMetric struct {
	Key   string // JSON key; also matches sandbox and native rows
	Label string // row label in the table
	Unit  string
	Value float64
}

// benchResult is what one workload measured in one mode.
type benchResult struct {
	Workload string
	Mode     string // sandbox, native, gopher-lua
	Shards   int
	Metrics  []benchMetric
	Info     map[string]any // sizes, placements: the JSON output carries them
	Err      string         // why the workload failed in this mode
}

func (r *benchResult) add(key, label, unit string, v float64) {
	r.Metrics = append(r.Metrics, benchMetric{Key: key, Label: label, Unit: unit, Value: v})
}

func (r *benchResult) get(key string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Key == key {
			return m.Value, true
		}
	}
	return 0, false
}

func (r *benchResult) info(key string, v any) {
	if r.Info == nil {
		r.Info = map[string]any{}
	}
	r.Info[key] = v
}

func (r *benchResult) MarshalJSON() ([]byte, error) {
	metrics := map[string]float64{}
	units := map[string]string{}
	for _, m := range r.Metrics {
		metrics[m.Key] = roundSig(m.Value, 4)
		units[m.Key] = m.Unit
	}
	return json.Marshal(struct {
		Workload string             `json:"workload"`
		Mode     string             `json:"mode"`
		Shards   int                `json:"shards,omitempty"`
		Metrics  map[string]float64 `json:"metrics"`
		Units    map[string]string  `json:"units"`
		Info     map[string]any     `json:"info,omitempty"`
		Error    string             `json:"error,omitempty"`
	}{r.Workload, r.Mode, r.Shards, metrics, units, r.Info, r.Err})
}

// round keeps sig significant digits.
func roundSig(v float64, sig int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(sig-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// benchWorkload is one named benchmark.
type benchWorkload struct {
	name   string
	bundle string // directory under workloads/
	how    string // how it measures: a footnote under the table
	run    func(native bool) (*benchResult, error)
	// baseline, if set, runs once more outside Moonbox (fib: plain gopher-lua)
	// and may add rows comparing the modes to it.
	baseline func(modes []*benchResult) (*benchResult, error)
}

func (b *bench) workload(name string) *benchWorkload {
	switch name {
	case "send":
		return &benchWorkload{name: name, bundle: "send",
			how: "send: " + b.sizes(100_000, 1_000_000, 20_000, "messages") + "; 1 sender -> 1 receiver, placed on the same shard and on different shards (by PID hash, chosen by the bench); the sender keeps at most 5,000 messages unacknowledged (the receiver acks every 1,000, so the mailbox bound is never hit); timed in a coordinator process from the first 'go' to the receiver's 'done'; median of 5 runs.",
			run: func(native bool) (*benchResult, error) { return b.runSend(name, native) }}
	case "pingpong":
		return &benchWorkload{name: name, bundle: "pingpong",
			how: "pingpong: " + b.sizes(20_000, 200_000, 2_000, "round trips") + " after " + commas(b.size(2_000, 100)) + " untimed; one process pings another and waits for the pong, ping and pong on the same shard and on different shards; every round trip is timed inside Lua with os.clock() (gopher-lua's os.clock is a monotonic wall clock with ns resolution, not CPU time; the cost of one call is stated below and is inside each figure); rt/s = n / total; each figure the median of 5 runs.",
			run: b.runPingPong}
	case "fanout":
		return &benchWorkload{name: name, bundle: "fanout",
			how: "fanout: " + b.sizes(300, 3_000, 100, "rounds") + "; one process sends one message to each of K children (placed by PID hash) and waits for the K replies: one round; every round timed with os.clock(); median of 5 runs.",
			run: b.runFanout}
	case "call":
		return &benchWorkload{name: name, bundle: "call",
			how: "call: " + b.sizes(3_000, 20_000, 500, "calls") + "; process.call of a callee that returns its argument (spawn, start, run, exit, reply to the caller), callee placed by PID hash; every call timed with os.clock(); median of 5 runs.",
			run: b.runCall}
	case "hostcall":
		return &benchWorkload{name: name, bundle: "call",
			how: "hostcall: " + b.sizes(5_000, 20_000, 500, "calls") + "; a Lua process does process.call(\"echo\", host, i) of a Go-side process the bench serves with Tenant.Handle (returns its argument): a Go-side process spawned, run in Go, exited, the reply delivered; every call timed with os.clock(); median of 5 runs. Through the public API (module root).",
			run: b.runHostcall}
	case "gocall":
		return &benchWorkload{name: name, bundle: "gocall",
			how: "gocall: " + b.sizes(5_000, 50_000, 500, "calls") + "; Go calls Tenant.Call(ctx, \"server\", \"ping\", i) of a running Lua process registered as server, which answers msg:from() with the payload: a temporary Go-side process, a monitor of the server, the message, the reply; every call timed in Go; median of 5 runs.",
			run: b.runGocall}
	case "fib":
		return &benchWorkload{name: name, bundle: "fib",
			how: fmt.Sprintf("fib: fib(%d) (recursive, fib.lua), each call timed with os.clock() inside one process, the best of 5 (CPU-bound: the minimum is the least disturbed by a busy machine); the same fib.lua in a plain gopher-lua state (lua.NewState + DoString, timed in Go, best of 5) is the baseline: 'x gopher-lua' is each mode's time over it (native: the instruction metering of our vm).", b.fibN()),
			run: b.runFib, baseline: b.fibBaseline}
	case "coldstart":
		return &benchWorkload{name: name, bundle: "coldstart",
			how: "coldstart: OpenBundle + AddTenant (a fresh runtime each sample, the wasm engine compiled beforehand and shared) to the exit of the tenant's first process, timed in Go; includes instantiating the instance (sandbox) or the vm (native), compiling the Lua source and the shard wake-ups; excludes compiling the wasm module (the engine figure below); p50 and max of the samples after 2 warm-up samples.",
			run: b.runColdstart}
	case "scaling":
		return &benchWorkload{name: name, bundle: "send",
			how: "scaling: " + b.sizes(100_000, 1_000_000, 20_000, "messages") + "; send16 (16 sender -> receiver pairs placed by PID hash) with 1 shard and with 2 shards, regardless of --shards; median of 5 runs each.",
			run: b.runScaling}
	case "spawn10k", "spawn100k":
		n := 10_000
		if name == "spawn100k" {
			n = 100_000
		}
		return &benchWorkload{name: name, bundle: "spawn",
			how: "spawn10k/spawn100k: a Lua parent spawns n idle children (blocked in inbox:receive()) in a loop. 'spawn' is end to end per child, timed in Go from spawning the parent until every child has started and blocked (a probe process per shard, queued after the children, has exited); 'spawn call' is the parent's loop alone (os.clock). Memory per idle process: the delta of Tenant.Stats(true) (guest heap after a guest GC; linear memory) and of the host's Go heap and goroutine stacks after runtime.GC(), before and after the run, divided by n. One run, after a 200-process warm-up, with max(--shards, n/50,000) shards (full spawn100k: 2), because a sandbox instance holds only ~140,000 idle processes under its 1 GiB linear memory cap (~7.4 KiB of it each). The tenant's quotas are raised to the highest tenant.yaml accepts (1,000,000 processes, 100,000 spawns/s: no run here reaches either).",
			run: func(native bool) (*benchResult, error) { return b.runSpawn(name, n, native) }}
	}
	if m := benchSendN.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &benchWorkload{name: name, bundle: "send",
			how: fmt.Sprintf("%s: %s; %d senders -> %d receivers (pair i: sender i -> receiver i), all placed by PID hash across the shards; flow control and timing as in send; median of 5 runs.", name, b.sizes(100_000, 1_000_000, 20_000, "messages"), n, n),
			run: func(native bool) (*benchResult, error) { return b.runSendN(name, n, native) }}
	}
	return nil
}

// runAll runs the workloads in both modes and prints the results.
func (b *bench) runAll(names []string) int {
	start := time.Now()
	load0 := benchLoadAverage()
	b.progress("%d shards, quick=%v, load average %s", b.shards, b.quick, load0)
	var all [][]*benchResult
	var hows, failures []string
	for _, name := range names {
		w := b.workload(name)
		var rs []*benchResult
		failed := false
		for _, native := range []bool{false, true} {
			mode := benchModeName(native)
			b.progress("%s (%s)", name, mode)
			t0, cpu0 := time.Now(), processCPU()
			r, err := w.run(native)
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s (%s): %v", name, mode, err))
				fmt.Fprintf(b.stderr, "moonbox: bench: %s (%s): %v\n", name, mode, err)
				failed = true
				rs = append(rs, &benchResult{Workload: name, Mode: mode, Err: err.Error()})
				continue
			}
			r.Workload, r.Mode = name, mode
			if r.Shards == 0 {
				r.Shards = b.shards
			}
			r.info("quick", b.quick)
			wall := time.Since(t0)
			r.info("wall_s", roundSig(wall.Seconds(), 3))
			if cpu0 >= 0 {
				r.info("cpu_s", roundSig((processCPU()-cpu0).Seconds(), 3))
			}
			b.progress("%s (%s) done in %s", name, mode, time.Since(t0).Round(time.Millisecond))
			rs = append(rs, r)
		}
		if w.baseline != nil && !failed {
			r, err := w.baseline(rs)
			if err != nil {
				failures = append(failures, fmt.Sprintf("%s (baseline): %v", name, err))
				fmt.Fprintf(b.stderr, "moonbox: bench: %s (baseline): %v\n", name, err)
			} else {
				r.Workload = name
				rs = append(rs, r)
			}
		}
		if b.json {
			enc := json.NewEncoder(b.stdout)
			for _, r := range rs {
				enc.Encode(r)
			}
		}
		all = append(all, rs)
		if !slices.Contains(hows, w.how) {
			hows = append(hows, w.how)
		}
	}
	if !b.json {
		b.printTable(all, hows, start, load0)
	}
	for _, w := range b.warnings() {
		fmt.Fprintf(b.stderr, "moonbox: bench: runtime warning: %s\n", w)
	}
	if len(failures) > 0 {
		return exitAbnormal
	}
	return exitOK
}

func benchModeName(native bool) string {
	if native {
		return "native"
	}
	return "sandbox"
}

// printTable prints one row per figure: sandbox, native, ratio, unit.
func (b *bench) printTable(all [][]*benchResult, hows []string, start time.Time, load0 string) {
	w := b.stdout
	quick := ""
	if b.quick {
		quick = ", --quick (sizes shrunk: rough figures)"
	}
	fmt.Fprintf(w, "moonbox bench: %s, %s/%s, %d CPUs, %d shards%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), b.shards, quick)
	fmt.Fprintf(w, "load average: %s at start, %s at end; %s\n\n", load0, benchLoadAverage(), time.Since(start).Round(100*time.Millisecond))
	type row struct{ workload, label, sb, nat, ratio, unit string }
	rows := []row{{"workload", "figure", "sandbox", "native", "sb/native", "unit"}}
	for _, rs := range all {
		var sb, nat *benchResult
		var extra []*benchResult
		for _, r := range rs {
			switch r.Mode {
			case "sandbox":
				sb = r
			case "native":
				nat = r
			default:
				extra = append(extra, r)
			}
		}
		var keys []benchMetric
		seen := map[string]bool{}
		for _, r := range []*benchResult{sb, nat} {
			if r == nil {
				continue
			}
			for _, m := range r.Metrics {
				if !seen[m.Key] {
					seen[m.Key] = true
					keys = append(keys, m)
				}
			}
		}
		name := rs[0].Workload
		failed := func(r *benchResult) string {
			if r != nil && r.Err != "" {
				return "failed"
			}
			return "-"
		}
		if len(keys) == 0 {
			rows = append(rows, row{workload: name, label: "(no figures)", sb: failed(sb), nat: failed(nat)})
		}
		for _, k := range keys {
			rw := row{workload: name, label: k.Label, sb: failed(sb), nat: failed(nat), unit: k.Unit}
			var a, c float64
			var okA, okC bool
			if sb != nil {
				if a, okA = sb.get(k.Key); okA {
					rw.sb = benchFigure(a)
				}
			}
			if nat != nil {
				if c, okC = nat.get(k.Key); okC {
					rw.nat = benchFigure(c)
				}
			}
			if okA && okC && c != 0 && k.Unit != "x" && k.Unit != "%" {
				rw.ratio = fmt.Sprintf("%.2fx", a/c)
			}
			rows = append(rows, rw)
			name = ""
		}
		for _, r := range extra { // a baseline outside Moonbox: one figure
			for _, m := range r.Metrics {
				rows = append(rows, row{workload: name, label: m.Label + " in plain " + r.Mode, sb: "", nat: benchFigure(m.Value), unit: m.Unit})
				name = ""
			}
		}
	}
	var width [6]int
	for _, r := range rows {
		for i, s := range []string{r.workload, r.label, r.sb, r.nat, r.ratio, r.unit} {
			width[i] = max(width[i], len([]rune(s)))
		}
	}
	for i, r := range rows {
		fmt.Fprintf(w, "%-*s  %-*s  %*s  %*s  %*s  %s\n", width[0], r.workload, width[1], r.label, width[2], r.sb, width[3], r.nat, width[4], r.ratio, r.unit)
		if i == 0 {
			fmt.Fprintln(w, strings.Repeat("-", width[0]+width[1]+width[2]+width[3]+width[4]+width[5]+10))
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "How each workload measures (all timed work excludes compiling the wasm module; sources are compiled in a warm-up run first, except in coldstart):")
	for _, h := range hows {
		fmt.Fprintf(w, "- %s\n", h)
	}
	var notes []string
	for _, rs := range all {
		for _, r := range rs {
			if r.Err != "" {
				notes = append(notes, fmt.Sprintf("%s (%s) FAILED: %s", r.Workload, r.Mode, r.Err))
			}
			if n, ok := r.Info["note"].(string); ok {
				notes = append(notes, fmt.Sprintf("%s (%s): %s", r.Workload, r.Mode, n))
			}
		}
	}
	var cpu []string
	for _, rs := range all {
		for _, r := range rs {
			c, ok1 := r.Info["cpu_s"].(float64)
			w, ok2 := r.Info["wall_s"].(float64)
			if ok1 && ok2 && w > 0 {
				cpu = append(cpu, fmt.Sprintf("%s/%s %.2f", r.Workload, r.Mode, c/w))
			}
		}
	}
	if len(cpu) > 0 {
		notes = append(notes, "CPU time of this process / wall time per run (a busy machine shows here): "+strings.Join(cpu, ", "))
	}
	if b.engine != nil {
		notes = append(notes, fmt.Sprintf("wasm engine: NewEngine took %s (compile or load from the disk cache, then snapshot an initialised guest), outside every figure", b.engineTime.Round(time.Millisecond)))
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "Notes:")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// formatFigure prints 3-4 significant digits, with k/M for large figures.
func benchFigure(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.1fk", v/1e3)
	case a >= 100:
		return fmt.Sprintf("%.0f", v)
	case a >= 10:
		return fmt.Sprintf("%.1f", v)
	case a >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// processCPU is the CPU time this process has used (user + system), from
// /proc/self/stat; -1 where there is none. Set against the wall time of a
// run it shows how much of the machine the run got.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s) // f[0] is field 3 (state); utime and stime are fields 14 and 15
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	k, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	const ticks = 100 // USER_HZ on every Linux architecture Go supports
	return time.Duration(u+k) * time.Second / ticks
}

func benchLoadAverage() string {
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

func (b *bench) warn(tenant, message string) {
	b.warnMu.Lock()
	b.warns = append(b.warns, tenant+": "+message)
	b.warnMu.Unlock()
}

func (b *bench) warnings() []string {
	b.warnMu.Lock()
	defer b.warnMu.Unlock()
	return b.warns
}

// bundleDir writes common/ and one workload directory of workloadFS into a
// temporary bundle (once per directory).
func (b *bench) bundleDir(name string) (string, error) {
	if dir, ok := b.bundles[name]; ok {
		return dir, nil
	}
	if b.tmp == "" {
		tmp, err := os.MkdirTemp("", "moonbox-bench-")
		if err != nil {
			return "", err
		}
		b.tmp, b.bundles = tmp, map[string]string{}
	}
	dir := filepath.Join(b.tmp, name)
	for _, src := range []string{"workloads/common", "workloads/" + name} {
		if err := copyLua(workloadFS, src, dir); err != nil {
			return "", err
		}
	}
	b.bundles[name] = dir
	return dir, nil
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

// benchLimits lift the quotas that would otherwise shape the figures (the
// spawn rate limit, the process quota); the mailbox bound stays far above
// what the flow-controlled senders ever queue.
// (Set to the highest values tenant.yaml accepts.)
var benchLimits = func() *tenants.Limits {
	l := tenants.DefaultLimits()
	l.Processes, l.SpawnsPerSecond, l.Mailbox = 1_000_000, 100_000, 100_000
	return &l
}()

// benchEnv is one runtime with one tenant running one workload's bundle.
type benchEnv struct {
	b      *bench
	rt     *host.Runtime
	ten    *host.Tenant
	shards int
}

// start makes a runtime with shards shards and a tenant over the workload's
// bundle, and instantiates the tenant on every shard.
func (b *bench) start(bundleName string, native bool, shards int) (*benchEnv, error) {
	dir, err := b.bundleDir(bundleName)
	if err != nil {
		return nil, err
	}
	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		return nil, err
	}
	cfg := host.Config{Shards: shards, Warn: b.warn}
	if !native {
		if cfg.Engine, err = b.sandboxEngine(); err != nil {
			return nil, err
		}
	}
	rt := host.New(cfg)
	ten, err := rt.AddTenant(host.TenantConfig{Name: "bench", Bundle: bundle, Native: native, Limits: benchLimits})
	if err != nil {
		rt.Close()
		return nil, err
	}
	e := &benchEnv{b: b, rt: rt, ten: ten, shards: shards}
	if err := e.barrier(); err != nil {
		rt.Close()
		return nil, err
	}
	return e, nil
}

func (e *benchEnv) close() { e.rt.Close() }

// shardOf is the shard the runtime places pid on: xxhash(pid) % shards.
func (e *benchEnv) shardOf(pid string) int {
	return host.ShardOf(pid, e.shards)
}

func (e *benchEnv) spawn(id string, args ...string) (string, <-chan host.Exit, error) {
	return e.ten.Spawn(id, host.DefaultHost, host.Args(args...))
}

// benchTimeout bounds every wait: a hang is a failure, not a figure.
const benchTimeout = 10 * time.Minute

func benchWait(pid string, exit <-chan host.Exit) (host.Exit, error) {
	select {
	case x := <-exit:
		if x.Abnormal {
			return x, fmt.Errorf("process %s exited abnormally: %s: %s", pid, x.Kind, x.Error)
		}
		return x, nil
	case <-time.After(benchTimeout):
		return host.Exit{}, fmt.Errorf("process %s still running after %s", pid, benchTimeout)
	}
}

// run spawns id, waits for its exit and decodes its exit value.
func (e *benchEnv) run(id string, args ...string) (map[string]any, error) {
	pid, exit, err := e.spawn(id, args...)
	if err != nil {
		return nil, err
	}
	x, err := benchWait(pid, exit)
	if err != nil {
		return nil, err
	}
	return benchDecode(x.Value)
}

func benchDecode(value []byte) (map[string]any, error) {
	var v any
	if err := cbor.Unmarshal(value, &v); err != nil {
		return nil, err
	}
	switch m := toJSON(v).(type) {
	case map[string]any:
		return m, nil
	case nil:
		return map[string]any{}, nil
	default:
		return map[string]any{"value": m}, nil
	}
}

// num reads a number from a decoded exit value.
func benchNum(m map[string]any, key string) float64 {
	switch v := m[key].(type) {
	case float64:
		return v
	case uint64:
		return float64(v)
	case int64:
		return float64(v)
	}
	return math.NaN()
}

// post sends dest a message with string payload values, on the bench's
// behalf (through a short-lived process: Go cannot send).
func (e *benchEnv) post(dest, topic string, payload ...string) error {
	_, err := e.run("post", append([]string{dest, topic}, payload...)...)
	return err
}

// spawnOn spawns id until a process lands on shard; the misses get "stop"
// (the sources spawned this way wait for a first message, and stop on it).
func (e *benchEnv) spawnOn(shard int, id string, args ...string) (string, <-chan host.Exit, error) {
	for range 256 {
		pid, exit, err := e.spawn(id, args...)
		if err != nil {
			return "", nil, err
		}
		if e.shardOf(pid) == shard {
			return pid, exit, nil
		}
		if err := e.post(pid, "stop"); err != nil {
			return "", nil, err
		}
		if _, err := benchWait(pid, exit); err != nil {
			return "", nil, err
		}
	}
	return "", nil, fmt.Errorf("no process of %s landed on shard %d in 256 spawns", id, shard)
}

// barrier returns once every record queued so far on every shard has been
// applied and the processes it started have run until they blocked: a
// probe process lands on each shard behind them and exits. The first barrier
// of a runtime also instantiates the tenant on every shard.
func (e *benchEnv) barrier() error {
	covered := map[int]bool{}
	type probe struct {
		pid  string
		exit <-chan host.Exit
	}
	var probes []probe
	for tries := 0; len(covered) < e.shards; tries++ {
		if tries > 64*e.shards {
			return fmt.Errorf("barrier: probes reached %d of %d shards", len(covered), e.shards)
		}
		pid, exit, err := e.spawn("probe")
		if err != nil {
			return err
		}
		covered[e.shardOf(pid)] = true
		probes = append(probes, probe{pid, exit})
	}
	for _, p := range probes {
		if _, err := benchWait(p.pid, p.exit); err != nil {
			return err
		}
	}
	return nil
}

// --- statistics -----------------------------------------------------------

func benchMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank percentile of xs (p in 0..1).
func benchPercentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}

// reps runs fn n times and returns the median of each figure it returns.
func benchReps(n int, fn func() (map[string]float64, error)) (map[string]float64, error) {
	runs := map[string][]float64{}
	for range n {
		fig, err := fn()
		if err != nil {
			return nil, err
		}
		for k, v := range fig {
			runs[k] = append(runs[k], v)
		}
	}
	out := map[string]float64{}
	for k, vs := range runs {
		out[k] = benchMedian(vs)
	}
	return out, nil
}

const benchRepeats = 5

// --- send, sendN, scaling ------------------------------------------------

const (
	benchSendWindow   = 5_000 // unacknowledged messages a sender may have
	benchSendAckEvery = 1_000 // a receiver acks every this many
)

// sendRun runs pairs sender -> receiver pairs, total messages in all.
// placement is "same" (sender on its receiver's shard), "cross" (on the
// next shard) or "hash" (wherever its PID hashes to). It returns messages/s
// and how many pairs crossed shards.
func (e *benchEnv) sendRun(pairs, total int, placement string) (float64, int, error) {
	per := max(1, total/pairs)
	type proc struct {
		pid  string
		exit <-chan host.Exit
	}
	var procs []proc
	var senders []string
	cross := 0
	for range pairs {
		rpid, rexit, err := e.spawn("receiver", strconv.Itoa(per), strconv.Itoa(benchSendAckEvery))
		if err != nil {
			return 0, 0, err
		}
		sargs := []string{rpid, strconv.Itoa(per), strconv.Itoa(benchSendWindow)}
		var spid string
		var sexit <-chan host.Exit
		switch placement {
		case "same":
			spid, sexit, err = e.spawnOn(e.shardOf(rpid), "sender", sargs...)
		case "cross":
			spid, sexit, err = e.spawnOn((e.shardOf(rpid)+1)%e.shards, "sender", sargs...)
		default:
			spid, sexit, err = e.spawn("sender", sargs...)
		}
		if err != nil {
			return 0, 0, err
		}
		if e.shardOf(spid) != e.shardOf(rpid) {
			cross++
		}
		procs = append(procs, proc{rpid, rexit}, proc{spid, sexit})
		senders = append(senders, spid)
	}
	if err := e.barrier(); err != nil { // every sender waits for "go"
		return 0, 0, err
	}
	v, err := e.run("coord", senders...)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range procs {
		if _, err := benchWait(p.pid, p.exit); err != nil {
			return 0, 0, err
		}
	}
	if got := benchNum(v, "messages"); got != float64(per*pairs) {
		return 0, 0, fmt.Errorf("receivers counted %v messages, want %d", got, per*pairs)
	}
	return float64(per*pairs) / benchNum(v, "secs"), cross, nil
}

func (b *bench) runSend(name string, native bool) (*benchResult, error) {
	e, err := b.start("send", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r := &benchResult{}
	r.info("messages", total)
	placements := []string{"same"}
	if b.shards > 1 {
		placements = append(placements, "cross")
	}
	for _, pl := range placements {
		if _, _, err := e.sendRun(1, b.size(20_000, 2_000), pl); err != nil { // warm-up
			return nil, err
		}
		fig, err := benchReps(benchRepeats, func() (map[string]float64, error) {
			v, _, err := e.sendRun(1, total, pl)
			return map[string]float64{"v": v}, err
		})
		if err != nil {
			return nil, err
		}
		label := map[string]string{"same": "1->1, same shard", "cross": "1->1, other shard"}[pl]
		r.add("msgs_per_s_"+pl+"_shard", label, "msg/s", fig["v"])
	}
	return r, nil
}

func (b *bench) runSendN(name string, pairs int, native bool) (*benchResult, error) {
	e, err := b.start("send", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r, err := b.sendNFigure(e, pairs, total, fmt.Sprintf("%d->%d, by PID hash", pairs, pairs))
	if err != nil {
		return nil, err
	}
	r.info("messages", total)
	return r, nil
}

func (b *bench) sendNFigure(e *benchEnv, pairs, total int, label string) (*benchResult, error) {
	if _, _, err := e.sendRun(pairs, b.size(20_000, 2_000), "hash"); err != nil { // warm-up
		return nil, err
	}
	var crossed []int
	fig, err := benchReps(benchRepeats, func() (map[string]float64, error) {
		v, cross, err := e.sendRun(pairs, total, "hash")
		crossed = append(crossed, cross)
		return map[string]float64{"v": v}, err
	})
	if err != nil {
		return nil, err
	}
	r := &benchResult{}
	r.add("msgs_per_s", label, "msg/s", fig["v"])
	r.info("pairs", pairs)
	r.info("cross_shard_pairs_per_run", crossed)
	return r, nil
}

func (b *bench) runScaling(native bool) (*benchResult, error) {
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r := &benchResult{Shards: 2}
	var figs [2]float64
	for i, shards := range []int{1, 2} {
		e, err := b.start("send", native, shards)
		if err != nil {
			return nil, err
		}
		fr, err := b.sendNFigure(e, 16, total, "")
		e.close()
		if err != nil {
			return nil, err
		}
		figs[i], _ = fr.get("msgs_per_s")
		r.add(fmt.Sprintf("msgs_per_s_%d_shard", shards), fmt.Sprintf("send16, %d shard(s)", shards), "msg/s", figs[i])
	}
	r.add("speedup", "speedup 2 shards / 1", "x", figs[1]/figs[0])
	r.info("messages", total)
	return r, nil
}

// --- pingpong, fanout, call -------------------------------------------------

func (b *bench) runPingPong(native bool) (*benchResult, error) {
	e, err := b.start("pingpong", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.sizeFor(native, 20_000, 200_000, 2_000)
	warm := b.size(2_000, 100)
	r := &benchResult{}
	r.info("round_trips", n)
	placements := []string{"same"}
	if b.shards > 1 {
		placements = append(placements, "cross")
	}
	var clockCost []float64
	for _, pl := range placements {
		once := func(n int) (map[string]any, error) {
			ping, exit, err := e.spawn("ping", strconv.Itoa(n), strconv.Itoa(warm))
			if err != nil {
				return nil, err
			}
			target := e.shardOf(ping)
			if pl == "cross" {
				target = (target + 1) % e.shards
			}
			pong, pexit, err := e.spawnOn(target, "pong")
			if err != nil {
				return nil, err
			}
			if err := e.post(ping, "go", pong); err != nil {
				return nil, err
			}
			x, err := benchWait(ping, exit)
			if err != nil {
				return nil, err
			}
			if _, err := benchWait(pong, pexit); err != nil {
				return nil, err
			}
			return benchDecode(x.Value)
		}
		if _, err := once(warm); err != nil {
			return nil, err
		}
		fig, err := benchReps(benchRepeats, func() (map[string]float64, error) {
			v, err := once(n)
			if err != nil {
				return nil, err
			}
			clockCost = append(clockCost, benchNum(v, "clock"))
			return map[string]float64{"rate": benchNum(v, "n") / benchNum(v, "secs"), "p50": benchNum(v, "p50") * 1e6, "p99": benchNum(v, "p99") * 1e6, "max": benchNum(v, "max") * 1e6}, nil
		})
		if err != nil {
			return nil, err
		}
		where := map[string]string{"same": "same shard", "cross": "other shard"}[pl]
		r.add("rt_per_s_"+pl+"_shard", "round trips, "+where, "rt/s", fig["rate"])
		r.add("mean_us_"+pl+"_shard", "  mean round trip", "µs", 1e6/fig["rate"])
		r.add("p50_us_"+pl+"_shard", "  p50 round trip", "µs", fig["p50"])
		r.add("p99_us_"+pl+"_shard", "  p99 round trip", "µs", fig["p99"])
		r.info("max_us_"+pl+"_shard", roundSig(fig["max"], 4))
	}
	r.info("note", fmt.Sprintf("one os.clock() call costs %.3f µs (median), inside every round-trip figure", benchMedian(clockCost)*1e6))
	return r, nil
}

func (b *bench) runFanout(native bool) (*benchResult, error) {
	e, err := b.start("fanout", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	k := b.size(100, 10)
	rounds := b.sizeFor(native, 300, 3_000, 100)
	warm := b.size(100, 10)
	if _, err := e.run("main", strconv.Itoa(k), strconv.Itoa(warm), "1"); err != nil { // warm-up
		return nil, err
	}
	fig, err := benchReps(benchRepeats, func() (map[string]float64, error) {
		v, err := e.run("main", strconv.Itoa(k), strconv.Itoa(rounds), strconv.Itoa(warm))
		if err != nil {
			return nil, err
		}
		return map[string]float64{"rate": benchNum(v, "n") / benchNum(v, "secs"), "p50": benchNum(v, "p50") * 1e6, "p99": benchNum(v, "p99") * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	r := &benchResult{}
	r.add("rounds_per_s", fmt.Sprintf("rounds (K=%d)", k), "rounds/s", fig["rate"])
	r.add("msgs_per_s", "  messages (2K per round)", "msg/s", fig["rate"]*float64(2*k))
	r.add("p50_us", "  p50 round", "µs", fig["p50"])
	r.add("p99_us", "  p99 round", "µs", fig["p99"])
	r.info("k", k)
	r.info("rounds", rounds)
	return r, nil
}

func (b *bench) runCall(native bool) (*benchResult, error) {
	e, err := b.start("call", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.sizeFor(native, 3_000, 20_000, 500)
	warm := b.size(500, 50)
	if _, err := e.run("main", strconv.Itoa(warm), "1"); err != nil { // warm-up
		return nil, err
	}
	fig, err := benchReps(benchRepeats, func() (map[string]float64, error) {
		v, err := e.run("main", strconv.Itoa(n), strconv.Itoa(warm))
		if err != nil {
			return nil, err
		}
		return map[string]float64{"mean": benchNum(v, "secs") / benchNum(v, "n") * 1e6, "p50": benchNum(v, "p50") * 1e6, "p99": benchNum(v, "p99") * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	r := &benchResult{}
	r.add("mean_us", "process.call, mean", "µs", fig["mean"])
	r.add("calls_per_s", "  calls", "calls/s", 1e6/fig["mean"])
	r.add("p50_us", "  p50", "µs", fig["p50"])
	r.add("p99_us", "  p99", "µs", fig["p99"])
	r.info("calls", n)
	return r, nil
}

// --- fib ------------------------------------------------------------------

func (b *bench) fibN() int { return b.size(27, 20) }

// fibValue is fib(n), to check every mode computed it.
func benchFibValue(n int) float64 {
	a, c := 0, 1
	for range n {
		a, c = c, a+c
	}
	return float64(a)
}

func (b *bench) runFib(native bool) (*benchResult, error) {
	e, err := b.start("fib", native, b.shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.fibN()
	v, err := e.run("main", strconv.Itoa(n), strconv.Itoa(benchRepeats))
	if err != nil {
		return nil, err
	}
	if got := benchNum(v, "value"); got != benchFibValue(n) {
		return nil, fmt.Errorf("fib(%d) = %v, want %v", n, got, benchFibValue(n))
	}
	var times []float64
	if ts, ok := v["times"].([]any); ok {
		for i := range ts {
			times = append(times, benchNum(map[string]any{"t": ts[i]}, "t")*1e3)
		}
	}
	if len(times) != benchRepeats {
		return nil, fmt.Errorf("fib: %d times, want %d", len(times), benchRepeats)
	}
	r := &benchResult{}
	r.add("ms", fmt.Sprintf("fib(%d), best of %d", n, benchRepeats), "ms", slices.Min(times))
	r.info("n", n)
	return r, nil
}

// fibBaseline runs fib.lua in a plain gopher-lua state and adds each mode's
// ratio to it.
func (b *bench) fibBaseline(modes []*benchResult) (*benchResult, error) {
	src, err := workloadFS.ReadFile("workloads/fib/fib.lua")
	if err != nil {
		return nil, err
	}
	n := b.fibN()
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(string(src)); err != nil {
		return nil, err
	}
	fib := L.Get(-1)
	L.Pop(1)
	call := func(n int) (float64, error) {
		if err := L.CallByParam(lua.P{Fn: fib, NRet: 1, Protect: true}, lua.LNumber(n)); err != nil {
			return 0, err
		}
		v := float64(L.Get(-1).(lua.LNumber))
		L.Pop(1)
		return v, nil
	}
	if _, err := call(15); err != nil { // as the Lua side does
		return nil, err
	}
	var times []float64
	for range benchRepeats {
		t0 := time.Now()
		v, err := call(n)
		times = append(times, float64(time.Since(t0))/1e6)
		if err != nil {
			return nil, err
		}
		if v != benchFibValue(n) {
			return nil, fmt.Errorf("gopher-lua fib(%d) = %v", n, v)
		}
	}
	base := slices.Min(times)
	for _, r := range modes {
		if ms, ok := r.get("ms"); ok {
			r.add("x_gopher_lua", "  time / plain gopher-lua", "x", ms/base)
		}
	}
	r := &benchResult{Mode: "gopher-lua"}
	r.add("ms", fmt.Sprintf("fib(%d), best of %d", n, benchRepeats), "ms", base)
	r.info("n", n)
	return r, nil
}

// --- coldstart --------------------------------------------------------------

func (b *bench) runColdstart(native bool) (*benchResult, error) {
	dir, err := b.bundleDir("coldstart")
	if err != nil {
		return nil, err
	}
	cfg := host.Config{Shards: b.shards, Warn: b.warn}
	if !native {
		if cfg.Engine, err = b.sandboxEngine(); err != nil {
			return nil, err
		}
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
		_, err = benchWait(pid, exit)
		d := time.Since(t0)
		rt.Close()
		if err != nil {
			return nil, err
		}
		if i >= warm {
			times = append(times, float64(d)/1e6)
		}
	}
	r := &benchResult{}
	r.add("p50_ms", "new tenant to first exit, p50", "ms", benchMedian(times))
	r.add("max_ms", "  max", "ms", benchPercentile(times, 1))
	r.info("samples", samples)
	return r, nil
}

// --- spawn ------------------------------------------------------------------

// hostMemory is the host's Go heap and goroutine stacks after a collection.
func benchHostMemory() (heap, stacks int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), int64(ms.StackInuse)
}

func benchGuestMemory(stats []host.InstanceStats) (heap, linear int64) {
	for _, s := range stats {
		heap += int64(s.Heap)
		linear += int64(s.Linear)
	}
	return heap, linear
}

// spawnPerInstance bounds the idle processes spawn10k/spawn100k put in one
// instance (see runSpawn).
const spawnPerInstance = 50_000

func (b *bench) runSpawn(name string, n int, native bool) (*benchResult, error) {
	if b.quick {
		n = map[string]int{"spawn10k": 1_000, "spawn100k": 5_000}[name]
	}
	// A sandbox instance holds at most ~140,000 idle processes under its
	// 1 GiB linear memory cap (about 7.4 KiB each): spread the processes so no
	// instance holds more than 50,000.
	shards := max(b.shards, (n+spawnPerInstance-1)/spawnPerInstance)
	e, err := b.start("spawn", native, shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	if _, err := e.run("main", "200"); err != nil { // warm-up: compile main and idle everywhere
		return nil, err
	}
	if err := e.barrier(); err != nil {
		return nil, err
	}
	gHeap0, gLinear0 := benchGuestMemory(e.ten.Stats(true))
	hHeap0, hStacks0 := benchHostMemory()

	t0 := time.Now()
	v, err := e.run("main", strconv.Itoa(n))
	if err != nil {
		return nil, err
	}
	if err := e.barrier(); err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)

	gHeap1, gLinear1 := benchGuestMemory(e.ten.Stats(true))
	hHeap1, hStacks1 := benchHostMemory()
	if live := e.rt.Processes(); live < n {
		return nil, fmt.Errorf("%d processes live after spawning %d", live, n)
	}
	per := func(d int64) float64 { return float64(d) / float64(n) / 1024 }
	r := &benchResult{Shards: shards}
	r.add("spawn_us", "spawn, end to end", "µs/proc", float64(elapsed)/1e3/float64(n))
	r.add("spawn_call_us", "  spawn call in the parent", "µs/proc", benchNum(v, "secs")*1e6/float64(n))
	r.add("procs_per_s", "  spawns", "proc/s", float64(n)/elapsed.Seconds())
	if !native {
		r.add("guest_heap_kib", "guest heap", "KiB/proc", per(gHeap1-gHeap0))
		r.add("guest_linear_kib", "guest linear memory", "KiB/proc", per(gLinear1-gLinear0))
	}
	r.add("host_heap_kib", "host Go heap", "KiB/proc", per(hHeap1-hHeap0))
	r.add("host_stacks_kib", "host goroutine stacks", "KiB/proc", per(hStacks1-hStacks0))
	total := hHeap1 - hHeap0 + hStacks1 - hStacks0
	if !native {
		total += gLinear1 - gLinear0
	}
	r.add("total_kib", "memory per idle process, all", "KiB/proc", per(total))
	r.info("processes", n)
	return r, nil
}
