package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/moonbox-runtime/moonbox/sandbox"
)

// The bench runs each workload sandboxed and natively in one process and
// prints both figures side by side. The Lua side of every workload is a
// bundle under workloads/; the Go side (the workload's run function) places
// processes on shards, starts the measured run and reads what the Lua side
// measured from its exit value.

// BenchOptions are the choices of a bench run.
type BenchOptions struct {
	Quick  bool // shrink every workload (proves they run; the figures are rough)
	Shards int  // scheduler shards (scaling always compares 1 and 2)
	JSON   bool // one JSON object per workload and mode instead of the table
	Stdout io.Writer
	Stderr io.Writer // progress and failures
}

// bench is one run of the bench.
type bench struct {
	BenchOptions
	bundles bundles
	warns   warnings

	engine     *sandbox.Engine // shared by every sandboxed runtime
	engineTime time.Duration   // NewEngine: compile or load from the disk cache, then snapshot
}

// Bench runs the workloads names (see SelectWorkloads), each sandboxed and
// then natively, and prints their figures. It reports whether every
// workload ran in both modes.
func Bench(o BenchOptions, names []string) bool {
	b := &bench{BenchOptions: o, bundles: bundles{prefix: "moonbox-bench-"}}
	defer b.close()
	return b.runAll(names)
}

func (b *bench) close() {
	if b.engine != nil {
		b.engine.Close()
	}
	b.bundles.remove()
}

func (b *bench) progress(format string, args ...any) {
	fmt.Fprintf(b.Stderr, "bench: "+format+"\n", args...)
}

func modeName(native bool) string {
	if native {
		return "native"
	}
	return "sandbox"
}

// runAll runs the workloads in both modes and prints the results.
func (b *bench) runAll(names []string) bool {
	start := time.Now()
	load0 := loadAverage()
	b.progress("%d shards, quick=%v, load average %s", b.Shards, b.Quick, load0)
	var all [][]*result
	var hows []string
	ok := true
	for _, name := range names {
		w := b.lookup(name)
		var rs []*result
		failed := false
		for _, native := range []bool{false, true} {
			mode := modeName(native)
			b.progress("%s (%s)", name, mode)
			t0, cpu0 := time.Now(), processCPU()
			r, err := w.run(native)
			if err != nil {
				fmt.Fprintf(b.Stderr, "moonbox: bench: %s (%s): %v\n", name, mode, err)
				ok, failed = false, true
				rs = append(rs, &result{Workload: name, Mode: mode, Err: err.Error()})
				continue
			}
			r.Workload, r.Mode = name, mode
			if r.Shards == 0 {
				r.Shards = b.Shards
			}
			r.info("quick", b.Quick)
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
				fmt.Fprintf(b.Stderr, "moonbox: bench: %s (baseline): %v\n", name, err)
				ok = false
			} else {
				r.Workload = name
				rs = append(rs, r)
			}
		}
		if b.JSON {
			enc := json.NewEncoder(b.Stdout)
			for _, r := range rs {
				enc.Encode(r)
			}
		}
		all = append(all, rs)
		if !slices.Contains(hows, w.how) {
			hows = append(hows, w.how)
		}
	}
	if !b.JSON {
		b.printTable(all, hows, start, load0)
	}
	for _, w := range b.warns.all() {
		fmt.Fprintf(b.Stderr, "moonbox: bench: runtime warning: %s\n", w)
	}
	return ok
}
