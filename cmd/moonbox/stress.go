package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/moonbox-runtime/moonbox/cmd/moonbox/internal/lab"
)

// `moonbox stress`: the command line of the lab's stress run (internal/lab,
// which holds the scenario, its clock, the goals and the table).

const stressUsage = `usage: moonbox stress [--json] [--duration D] [--quick] [--shards N] [--bundles DIR] [--os-baseline] [--cpuprofile F] [ATTACK[:ARG]...]

Runs the well-behaved tenant "good" (ping-pong, every round trip timed in Go)
alone and then next to each ATTACK, each attack in a runtime of its own, and
prints one row per attack: how the attacker ended and how fast, the
neighbour's throughput and p99 latency next to it as ratios to running
alone, messages lost, host memory, and PASS or FAIL against the goals
(throughput >= 80% of solo, p99 < 5x solo, no message lost, the attacker
ended or contained, the runtime still serving). The exit code is 0 when
every row passes, 1 otherwise.

With --os-baseline each row is measured a second way: the neighbour alone
in a runtime of this process, next to the same attacker run by "moonbox
run" as another OS process, so that the kernel's isolation of two processes
reads beside moonbox's ("os thr"; not judged, and each row takes twice as
long).

An ATTACK is a bundle directory (with a tenant.yaml) in the bundles
directory, which defaults to examples/hostile looked up from the current
directory and its parents. Its main runs once per argument listed on a
"-- stress: ARG..." line of its main.lua, or once with the ARG given as
ATTACK:ARG. "control" is a second well-behaved tenant, the baseline. Default:
control and every bundle. docs/ISOLATION.md explains the figures.
`

func cmdStress(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("stress", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per attack instead of the table")
	quick := fs.Bool("quick", false, "short windows (for CI: proves the properties, the figures are rough)")
	duration := fs.Duration("duration", 3*time.Second, "length of the solo window and of the attack window")
	shards := fs.Int("shards", 2, "scheduler shards")
	dir := fs.String("bundles", "", "directory of attacker bundles (default: examples/hostile)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	osBaseline := fs.Bool("os-baseline", false, "also run each attacker as a separate OS process next to the neighbour (the kernel's isolation, for comparison; not judged)")
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
	if *quick && !durationSet {
		*duration = 500 * time.Millisecond
	}
	if *duration < 10*time.Millisecond {
		fmt.Fprintln(stderr, "moonbox: stress: --duration must be at least 10ms")
		return exitUsage
	}
	bundles, err := lab.FindAttackers(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	attacks, err := lab.SelectAttacks(bundles, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	stopProfile, err := lab.StartCPUProfile(*cpuProfile)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitUsage
	}
	defer stopProfile()
	self := ""
	if *osBaseline {
		if self, err = os.Executable(); err != nil {
			fmt.Fprintf(stderr, "moonbox: stress: --os-baseline: %v\n", err)
			return exitAbnormal
		}
	}
	pass, err := lab.Stress(lab.StressOptions{JSON: *asJSON, Quick: *quick, Shards: *shards, Duration: *duration,
		Bundles: bundles, OSBaseline: *osBaseline, Self: self, Stdout: stdout, Stderr: stderr}, attacks)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: stress: %v\n", err)
		return exitAbnormal
	}
	if !pass {
		return exitAbnormal
	}
	return exitOK
}
