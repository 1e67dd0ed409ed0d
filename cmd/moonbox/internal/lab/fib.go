package lab

import (
	"fmt"
	"slices"
	"strconv"
)

// fib is the CPU-bound workload: recursive fib(n) in Lua, each call timed
// inside one process. Its baseline (baseline.go) is the same source in a
// plain gopher-lua state.

func (b *bench) fibN() int { return b.size(27, 20) }

// fibValue is fib(n), to check every mode computed it.
func fibValue(n int) float64 {
	a, c := 0, 1
	for range n {
		a, c = c, a+c
	}
	return float64(a)
}

func (b *bench) runFib(native bool) (*result, error) {
	e, err := b.start("fib", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.fibN()
	v, err := e.run("main", strconv.Itoa(n), strconv.Itoa(repeats))
	if err != nil {
		return nil, err
	}
	if got := num(v, "value"); got != fibValue(n) {
		return nil, fmt.Errorf("fib(%d) = %v, want %v", n, got, fibValue(n))
	}
	var times []float64
	if ts, ok := v["times"].([]any); ok {
		for i := range ts {
			times = append(times, num(map[string]any{"t": ts[i]}, "t")*1e3)
		}
	}
	if len(times) != repeats {
		return nil, fmt.Errorf("fib: %d times, want %d", len(times), repeats)
	}
	r := &result{}
	r.add("ms", fmt.Sprintf("fib(%d), best of %d", n, repeats), "ms", slices.Min(times))
	r.info("n", n)
	return r, nil
}
