package lab

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
)

// The bench's table: one row per figure, sandbox, native, their ratio and
// the unit; then how each workload measures, and notes.

// printTable prints one row per figure: sandbox, native, ratio, unit.
func (b *bench) printTable(all [][]*result, hows []string, start time.Time, load0 string) {
	w := b.Stdout
	quick := ""
	if b.Quick {
		quick = ", --quick (sizes shrunk: rough figures)"
	}
	fmt.Fprintf(w, "moonbox bench: %s, %s/%s, %d CPUs, %d shards%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), b.Shards, quick)
	fmt.Fprintf(w, "load average: %s at start, %s at end; %s\n\n", load0, loadAverage(), time.Since(start).Round(100*time.Millisecond))
	type row struct{ workload, label, sb, nat, ratio, unit string }
	rows := []row{{"workload", "figure", "sandbox", "native", "sb/native", "unit"}}
	for _, rs := range all {
		var sb, nat *result
		var extra []*result
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
		var keys []metric
		seen := map[string]bool{}
		for _, r := range []*result{sb, nat} {
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
		failed := func(r *result) string {
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
					rw.sb = figure(a)
				}
			}
			if nat != nil {
				if c, okC = nat.get(k.Key); okC {
					rw.nat = figure(c)
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
				rows = append(rows, row{workload: name, label: m.Label + " in plain " + r.Mode, sb: "", nat: figure(m.Value), unit: m.Unit})
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

// figure prints 3-4 significant digits, with k/M for large figures.
func figure(v float64) string {
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
