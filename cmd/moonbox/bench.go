package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/moonbox-runtime/moonbox/cmd/moonbox/internal/lab"
)

// `moonbox bench`: the command line of the lab's bench (internal/lab, which
// holds the workloads, their runners and the table).

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
	names, err := lab.SelectWorkloads(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		return exitUsage
	}
	stopProfile, err := lab.StartCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		return exitUsage
	}
	defer stopProfile()
	ok := lab.Bench(lab.BenchOptions{Quick: *quick, Shards: *shards, JSON: *asJSON, Stdout: stdout, Stderr: stderr}, names)
	if *memProfile != "" {
		if err := lab.WriteHeapProfile(*memProfile); err != nil {
			fmt.Fprintf(stderr, "moonbox: bench: %v\n", err)
		}
	}
	if !ok {
		return exitAbnormal
	}
	return exitOK
}
