package lab

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The stress run's table: one row per attack, the legend, and notes.

func millis(ms float64) string {
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

func micros(us float64) string {
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

func rate(r float64) string {
	if r >= 1e4 {
		return fmt.Sprintf("%.1fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

func mebibytes(b uint64) string { return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20)) }

func (s *stress) printTable(rows []*StressRow, start time.Time, load0 string) {
	w := s.Stdout
	quick := ""
	if s.Quick {
		quick = ", --quick (short windows: rough figures)"
	}
	fmt.Fprintf(w, "moonbox stress: %s, %s/%s, %d CPUs, %d shards, %s windows%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), s.Shards, s.Duration, quick)
	fmt.Fprintf(w, "load average: %s at start, %s at end; %s\n", load0, loadAverage(), time.Since(start).Round(100*time.Millisecond))
	fmt.Fprintf(w, "goals: neighbour throughput >= %.0f%% of solo, p99 < %.0fx solo, 0 messages lost, attacker ended or contained, runtime still serving\n\n", minThroughputRatio*100, maxP99Ratio)
	head := []string{"attack", "how it ended", "stop", "procs", "solo rt/s", "thr", "thr alive", "solo p99", "p99 x", "max", "stalled", "lost", "heap+", "kept", "result"}
	if s.OSBaseline {
		head = append(head[:len(head)-1], "os thr", "result")
	}
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
			heap = mebibytes(r.HostHeapPk - r.HostHeap0)
		}
		if r.HostHeap1 > r.HostHeap0 {
			kept = mebibytes(r.HostHeap1 - r.HostHeap0)
		}
		cells := []string{r.Attack, end, millis(r.StopMs), strconv.Itoa(r.PeakProcs),
			rate(r.Solo.Rate), fmt.Sprintf("%.2fx", r.ThroughputRatio), ratio(r.While.Rate, r.Solo.Rate),
			micros(r.Solo.P99), fmt.Sprintf("%.1fx", r.P99Ratio), micros(r.Under.Max), fmt.Sprintf("%.0f%%", 100*r.Under.Stalled),
			strconv.FormatInt(r.Lost, 10), heap, kept}
		if s.OSBaseline {
			os := "-"
			if b := r.OSProcess; b != nil && b.Error == "" {
				os = ratio(b.Under.Rate, b.Solo.Rate)
			}
			cells = append(cells, os)
		}
		tbl = append(tbl, append(cells, verdict))
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
	fmt.Fprintf(w, "stalled: share of the attack window spent in round trips slower than %.0fx the solo p99 (a stall yields few round trips, so p99 underweights it);\n", maxP99Ratio)
	fmt.Fprintln(w, "lost: messages the good tenant sent that never arrived; heap+: host Go heap peak over its level before the attack; kept: still held after it, after a GC.")
	if s.OSBaseline {
		fmt.Fprintln(w, "os thr: the same neighbour alone in a runtime of this process, next to the attacker run by `moonbox run` as another OS process (the kernel's isolation, not judged).")
	}
	var notes []string
	for _, r := range rows {
		for _, f := range r.Fails {
			notes = append(notes, fmt.Sprintf("%s: FAIL: %s", r.Attack, f))
		}
		if b := r.OSProcess; b != nil && b.Error != "" {
			notes = append(notes, fmt.Sprintf("%s: os thr not measured: %s", r.Attack, b.Error))
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
