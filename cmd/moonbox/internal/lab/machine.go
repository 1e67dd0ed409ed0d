package lab

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// What the machine and this process are doing: a figure is read against
// them (a busy machine slows every figure), and memory figures are deltas of
// the host's own heap.

// loadAverage is the 1, 5 and 15 minute load averages, "n/a" where there
// are none.
func loadAverage() string {
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

// hostMemory is the host's Go heap and goroutine stacks after a collection.
func hostMemory() (heap, stacks int64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc), int64(ms.StackInuse)
}

// hostHeap is the host's live Go heap (runtime/metrics: no stop-the-world,
// so it can be sampled while a run goes on).
func hostHeap() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		return sample[0].Value.Uint64()
	}
	return 0
}

// collect collects twice: objects with finalizers (wazero's) and what they
// reach are freed only by the second collection.
func collect() {
	runtime.GC()
	runtime.GC()
}
