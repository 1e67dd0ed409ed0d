package lab

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The workloads of the bench: their names, the order they run in, their
// sizes, and how each measures (a footnote under the table).

// Workloads is the order workloads run (and print) in. The spawn workloads
// come last: a native tenant's idle processes stay behind as parked
// goroutines after their runtime closes, and would burden every later
// native measurement.
var Workloads = []string{"send", "send16", "pingpong", "fanout", "call", "hostcall", "gocall", "fib", "coldstart", "scaling", "spawn10k", "spawn100k"}

var sendN = regexp.MustCompile(`^send([0-9]+)$`)

// SelectWorkloads validates workload names (none: all) and puts them in
// the order of Workloads (sendN where send16 is).
func SelectWorkloads(args []string) ([]string, error) {
	if len(args) == 0 {
		return Workloads, nil
	}
	known := map[string]int{}
	for i, n := range Workloads {
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
		if m := sendN.FindStringSubmatch(a); m != nil {
			if n, err := strconv.Atoi(m[1]); err != nil || n < 1 || n > 10_000 {
				return nil, fmt.Errorf("workload %s: N must be 1 to 10000", a)
			}
		} else if _, ok := known[a]; !ok {
			return nil, fmt.Errorf("unknown workload %q (want one of %s, or sendN)", a, strings.Join(Workloads, ", "))
		}
		if !seen[a] {
			seen[a] = true
			names = append(names, a)
		}
	}
	sort.SliceStable(names, func(i, j int) bool { return rank(names[i]) < rank(names[j]) })
	return names, nil
}

// workload is one named benchmark.
type workload struct {
	name   string
	bundle string // directory under workloads/
	how    string // how it measures: a footnote under the table
	run    func(native bool) (*result, error)
	// baseline, if set, runs once more outside Moonbox (fib: plain gopher-lua)
	// and may add rows comparing the modes to it.
	baseline func(modes []*result) (*result, error)
}

func (b *bench) lookup(name string) *workload {
	switch name {
	case "send":
		return &workload{name: name, bundle: "send",
			how: "send: " + b.sizes(100_000, 1_000_000, 20_000, "messages") + "; 1 sender -> 1 receiver, placed on the same shard and on different shards (by PID hash, chosen by the bench); the sender keeps at most 5,000 messages unacknowledged (the receiver acks every 1,000, so the mailbox bound is never hit); timed in a coordinator process from the first 'go' to the receiver's 'done'; median of 5 runs.",
			run: func(native bool) (*result, error) { return b.runSend(name, native) }}
	case "pingpong":
		return &workload{name: name, bundle: "pingpong",
			how: "pingpong: " + b.sizes(20_000, 200_000, 2_000, "round trips") + " after " + commas(b.size(2_000, 100)) + " untimed; one process pings another and waits for the pong, ping and pong on the same shard and on different shards; every round trip is timed inside Lua with os.clock() (gopher-lua's os.clock is a monotonic wall clock with ns resolution, not CPU time; the cost of one call is stated below and is inside each figure); rt/s = n / total; each figure the median of 5 runs.",
			run: b.runPingPong}
	case "fanout":
		return &workload{name: name, bundle: "fanout",
			how: "fanout: " + b.sizes(300, 3_000, 100, "rounds") + "; one process sends one message to each of K children (placed by PID hash) and waits for the K replies: one round; every round timed with os.clock(); median of 5 runs.",
			run: b.runFanout}
	case "call":
		return &workload{name: name, bundle: "call",
			how: "call: " + b.sizes(3_000, 20_000, 500, "calls") + "; process.call of a callee that returns its argument (spawn, start, run, exit, reply to the caller), callee placed by PID hash; every call timed with os.clock(); median of 5 runs.",
			run: b.runCall}
	case "hostcall":
		return &workload{name: name, bundle: "call",
			how: "hostcall: " + b.sizes(5_000, 20_000, 500, "calls") + "; a Lua process does process.call(\"echo\", host, i) of a Go-side process the bench serves with Tenant.Handle (returns its argument): a Go-side process spawned, run in Go, exited, the reply delivered; every call timed with os.clock(); median of 5 runs. Through the public API (module root).",
			run: b.runHostcall}
	case "gocall":
		return &workload{name: name, bundle: "gocall",
			how: "gocall: " + b.sizes(5_000, 50_000, 500, "calls") + "; Go calls Tenant.Call(ctx, \"server\", \"ping\", i) of a running Lua process registered as server, which waits in inbox:receive() and answers msg:from() with the payload (as pong does): a temporary Go-side process, a monitor of the server, the message, the reply; every call timed in Go; median of 5 runs.",
			run: b.runGocall}
	case "fib":
		return &workload{name: name, bundle: "fib",
			how: fmt.Sprintf("fib: fib(%d) (recursive, fib.lua), each call timed with os.clock() inside one process, the best of 5 (CPU-bound: the minimum is the least disturbed by a busy machine); the same fib.lua in a plain gopher-lua state (lua.NewState + DoString, timed in Go, best of 5) is the baseline: 'x gopher-lua' is each mode's time over it (native: the instruction metering of our vm).", b.fibN()),
			run: b.runFib, baseline: b.fibBaseline}
	case "coldstart":
		return &workload{name: name, bundle: "coldstart",
			how: "coldstart: OpenBundle + AddTenant (a fresh runtime each sample, the wasm engine compiled beforehand and shared) to the exit of the tenant's first process, timed in Go; includes instantiating the instance (sandbox) or the vm (native), compiling the Lua source and the shard wake-ups; excludes compiling the wasm module (the engine figure below); p50 and max of the samples after 2 warm-up samples.",
			run: b.runColdstart}
	case "scaling":
		return &workload{name: name, bundle: "send",
			how: "scaling: " + b.sizes(100_000, 1_000_000, 20_000, "messages") + "; send16 (16 sender -> receiver pairs placed by PID hash) with 1 shard and with 2 shards, regardless of --shards; median of 5 runs each.",
			run: b.runScaling}
	case "spawn10k", "spawn100k":
		n := 10_000
		if name == "spawn100k" {
			n = 100_000
		}
		return &workload{name: name, bundle: "spawn",
			how: "spawn10k/spawn100k: a Lua parent spawns n idle children (blocked in inbox:receive()) in a loop. 'spawn' is end to end per child, timed in Go from spawning the parent until every child has started and blocked (a probe process per shard, queued after the children, has exited); 'spawn call' is the parent's loop alone (os.clock). Memory per idle process: the delta of Tenant.Stats(true) (guest heap after a guest GC; linear memory) and of the host's Go heap and goroutine stacks after runtime.GC(), before and after the run, divided by n. One run, after a 200-process warm-up, with max(--shards, n/50,000) shards (full spawn100k: 2), because a sandbox instance holds only ~140,000 idle processes under its 1 GiB linear memory cap (~7.4 KiB of it each). The tenant's quotas are raised to the highest tenant.yaml accepts (1,000,000 processes, 100,000 spawns/s: no run here reaches either).",
			run: func(native bool) (*result, error) { return b.runSpawn(name, n, native) }}
	}
	if m := sendN.FindStringSubmatch(name); m != nil {
		n, _ := strconv.Atoi(m[1])
		return &workload{name: name, bundle: "send",
			how: fmt.Sprintf("%s: %s; %d senders -> %d receivers (pair i: sender i -> receiver i), all placed by PID hash across the shards; flow control and timing as in send; median of 5 runs.", name, b.sizes(100_000, 1_000_000, 20_000, "messages"), n, n),
			run: func(native bool) (*result, error) { return b.runSendN(name, n, native) }}
	}
	return nil
}
