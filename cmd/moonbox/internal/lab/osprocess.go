package lab

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// The OS-process baseline (--os-baseline): the same neighbour, in a runtime
// of its own in this process, next to the same attacker run by `moonbox run`
// as a second OS process. Nothing but the kernel stands between them then:
// it is the isolation a process per tenant gives on this machine, measured
// in the same run as moonbox's own, so the two ratios read side by side.
//
// On two cores the ratio to solo has a floor no scheduler in the process
// can lift: the neighbour's guest code runs ~10% slower while another
// tenant works on the other core, a step that changes core pays 30-45 µs of
// cold caches, and a faster neighbour feels the same harm as a larger share
// (docs/log/step-handoff-2026-12-03.md). The baseline shows where that
// floor is on the machine at hand.

// OSBaseline is the neighbour's figures next to the attacker in another
// OS process.
type OSBaseline struct {
	Solo            StressPhase `json:"solo"`
	Under           StressPhase `json:"under_attack"`
	ThroughputRatio float64     `json:"throughput_ratio"`
	// End is how the attacker's process ended: "running" if it still ran
	// when the window closed (it is then killed), or its exit status.
	End   string `json:"end"`
	Error string `json:"error,omitempty"` // the baseline could not be measured
}

// osSettle is how long the attacker's process runs before the window
// opens: its start, and the module compiled if the cache does not have it.
const osSettle = 500 * time.Millisecond

// measureOSBaseline measures attack's OS-process baseline with the moonbox
// binary s.Self.
func (s *stress) measureOSBaseline(attack string) *OSBaseline {
	b := &OSBaseline{}
	_, bundle, args, err := s.openAttack(attack)
	if err == nil {
		var goodBundle *tenants.Bundle
		if goodBundle, err = tenants.OpenBundle(s.good); err == nil {
			err = s.osBaseline(b, bundle.Root(), args, goodBundle)
		}
	}
	if err != nil {
		b.Error = err.Error()
	}
	return b
}

func (s *stress) osBaseline(b *OSBaseline, dir string, args []string, goodBundle *tenants.Bundle) error {
	clk := &clock{base: time.Now()}
	rt := host.New(host.Config{Shards: s.Shards, Log: clk.log})
	defer rt.Close()
	good, err := startGood(rt, goodBundle, clk, s.Shards)
	if err != nil {
		return err
	}
	defer good.stop(&StressRow{}, func(string, ...any) {})
	if err := s.warmUp(clk); err != nil {
		return err
	}

	t0 := clk.now()
	time.Sleep(s.Duration)
	t1 := clk.now()
	b.Solo = clk.phase(t0, t1)

	// The attacker's process may not outlive the row, whatever happens here.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmdArgs := append([]string{"run", "--quiet", "--shards", fmt.Sprint(s.Shards),
		"--timeout", (osSettle + s.Duration + s.grace).String(), dir, "main", "--"}, args...)
	cmd := exec.CommandContext(ctx, s.Self, cmdArgs...)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("attacker process: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	time.Sleep(osSettle)

	t2 := clk.now()
	time.Sleep(s.Duration)
	t3 := clk.now()
	b.Under = clk.phase(t2, t3)
	if b.Solo.Rate > 0 {
		b.ThroughputRatio = b.Under.Rate / b.Solo.Rate
	}
	select {
	case err := <-exited:
		b.End = exitStatus(err)
	default:
		b.End = "running"
		cancel()
		<-exited
	}
	return nil
}

// exitStatus describes how the attacker's process ended.
func exitStatus(err error) string {
	var x *exec.ExitError
	switch {
	case err == nil:
		return "exited normally"
	case errors.As(err, &x) && x.ExitCode() == 124:
		return "timed out"
	case errors.As(err, &x):
		return fmt.Sprintf("exited with status %d", x.ExitCode())
	}
	return err.Error()
}

// warmUp waits for s.warm round trips, and at least a tenth of the window.
func (s *stress) warmUp(clk *clock) error {
	start := time.Now()
	for clk.count() < s.warm || time.Since(start) < s.Duration/10 {
		if time.Since(start) > 30*time.Second {
			return fmt.Errorf("warm-up: %d round trips in 30s", clk.count())
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
