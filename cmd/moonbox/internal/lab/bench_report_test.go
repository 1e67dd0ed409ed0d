package lab

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSelectWorkloads(t *testing.T) {
	names, err := SelectWorkloads([]string{"spawn10k", "send4", "pingpong", "send"})
	if err != nil || strings.Join(names, " ") != "send send4 pingpong spawn10k" {
		t.Errorf("SelectWorkloads: %v, %v", names, err)
	}
	for _, bad := range [][]string{{"nosuch"}, {"send0"}, {"send10001"}} {
		if _, err := SelectWorkloads(bad); err == nil {
			t.Errorf("SelectWorkloads(%v): no error", bad)
		}
	}
}

// TestBenchTableFailed checks that a workload failing in one or both modes
// is shown as failed, not dropped (and does not break the table).
func TestBenchTableFailed(t *testing.T) {
	var stdout bytes.Buffer
	b := &bench{BenchOptions: BenchOptions{Shards: 2, Stdout: &stdout}}
	ok := &result{Workload: "send", Mode: "native"}
	ok.add("msgs_per_s", "1->1", "msg/s", 1000)
	all := [][]*result{
		{{Workload: "send", Mode: "sandbox", Err: "sandbox crashed"}, ok},
		{{Workload: "fib", Mode: "sandbox", Err: "boom"}, {Workload: "fib", Mode: "native", Err: "boom"}},
	}
	b.printTable(all, nil, time.Now(), "0 0 0")
	out := stdout.String()
	for _, want := range []string{"failed", " 1000 ", "(no figures)", "send (sandbox) FAILED: sandbox crashed", "fib (native) FAILED: boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}
