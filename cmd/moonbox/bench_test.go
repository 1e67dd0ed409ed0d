package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/cmd/moonbox/internal/lab"
)

// TestBench runs every workload of `moonbox bench --quick` in both modes to
// prove it works: each must complete and give positive figures. No
// wall-clock figure is asserted.
func TestBench(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every benchmark workload")
	}
	args := append([]string{"--json", "--quick"}, lab.Workloads...)
	args = append(args, "send3")
	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"bench"}, args...), &stdout, &stderr); code != exitOK {
		t.Fatalf("moonbox bench exited %d\nstderr:\n%s", code, stderr.String())
	}
	type line struct {
		Workload string             `json:"workload"`
		Mode     string             `json:"mode"`
		Metrics  map[string]float64 `json:"metrics"`
		Units    map[string]string  `json:"units"`
	}
	got := map[string]map[string]line{}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %q: %v", sc.Text(), err)
		}
		if got[l.Workload] == nil {
			got[l.Workload] = map[string]line{}
		}
		got[l.Workload][l.Mode] = l
	}
	for _, w := range append(lab.Workloads, "send3") {
		for _, mode := range []string{"sandbox", "native"} {
			l, ok := got[w][mode]
			if !ok {
				t.Errorf("%s: no %s result", w, mode)
				continue
			}
			if len(l.Metrics) == 0 {
				t.Errorf("%s (%s): no figures", w, mode)
			}
			for k, v := range l.Metrics {
				if l.Units[k] == "" {
					t.Errorf("%s (%s): %s has no unit", w, mode, k)
				}
				// Host memory deltas can be noise around zero (the sandbox
				// keeps its processes in the guest), and the guest's linear
				// memory grows in steps from room it already has (the quick
				// run's 1,000 parked processes fit in it); everything else
				// is a positive figure.
				host, linear := strings.HasPrefix(k, "host_"), k == "guest_linear_kib"
				if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 && !host && !(linear && v == 0) {
					t.Errorf("%s (%s): %s = %v", w, mode, k, v)
				}
			}
		}
	}
	if l, ok := got["fib"]["gopher-lua"]; !ok || l.Metrics["ms"] <= 0 {
		t.Errorf("fib: no plain gopher-lua baseline: %+v", got["fib"])
	}
}

// TestBenchTable checks the table output of one cheap workload.
func TestBenchTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a benchmark workload")
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"bench", "--quick", "--shards", "1", "coldstart", "fib"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("moonbox bench exited %d\nstderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"workload", "sandbox", "native", "sb/native", "coldstart", "fib(20), best of 5 in plain gopher-lua", "How each workload measures"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{{"nosuch"}, {"--shards", "0"}, {"send0"}, {"--bogus"}} {
		var stdout, stderr bytes.Buffer
		if code := run(append([]string{"bench"}, args...), &stdout, &stderr); code != exitUsage {
			t.Errorf("bench %v: exit %d, want %d", args, code, exitUsage)
		}
	}
}
