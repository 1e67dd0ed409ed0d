package lab

import (
	"fmt"
	"strconv"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
)

// spawn10k and spawn100k: the time to spawn n idle processes and the memory
// each holds.

// guestMemory sums the guest heap and linear memory of a tenant's instances.
func guestMemory(stats []host.InstanceStats) (heap, linear int64) {
	for _, s := range stats {
		heap += int64(s.Heap)
		linear += int64(s.Linear)
	}
	return heap, linear
}

// spawnPerInstance bounds the idle processes spawn10k/spawn100k put in one
// instance (see runSpawn).
const spawnPerInstance = 50_000

func (b *bench) runSpawn(name string, n int, native bool) (*result, error) {
	if b.Quick {
		n = map[string]int{"spawn10k": 1_000, "spawn100k": 5_000}[name]
	}
	// A sandbox instance holds at most ~140,000 idle processes under its
	// 1 GiB linear memory cap (about 7.4 KiB each): spread the processes so no
	// instance holds more than 50,000.
	shards := max(b.Shards, (n+spawnPerInstance-1)/spawnPerInstance)
	e, err := b.start("spawn", native, shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	if _, err := e.run("main", "200"); err != nil { // warm-up: compile main and idle everywhere
		return nil, err
	}
	if err := e.barrier(); err != nil {
		return nil, err
	}
	gHeap0, gLinear0 := guestMemory(e.ten.Stats(true))
	hHeap0, hStacks0 := hostMemory()

	t0 := time.Now()
	v, err := e.run("main", strconv.Itoa(n))
	if err != nil {
		return nil, err
	}
	if err := e.barrier(); err != nil {
		return nil, err
	}
	elapsed := time.Since(t0)

	gHeap1, gLinear1 := guestMemory(e.ten.Stats(true))
	hHeap1, hStacks1 := hostMemory()
	if live := e.rt.Processes(); live < n {
		return nil, fmt.Errorf("%d processes live after spawning %d", live, n)
	}
	per := func(d int64) float64 { return float64(d) / float64(n) / 1024 }
	r := &result{Shards: shards}
	r.add("spawn_us", "spawn, end to end", "µs/proc", float64(elapsed)/1e3/float64(n))
	r.add("spawn_call_us", "  spawn call in the parent", "µs/proc", num(v, "secs")*1e6/float64(n))
	r.add("procs_per_s", "  spawns", "proc/s", float64(n)/elapsed.Seconds())
	if !native {
		r.add("guest_heap_kib", "guest heap", "KiB/proc", per(gHeap1-gHeap0))
		r.add("guest_linear_kib", "guest linear memory", "KiB/proc", per(gLinear1-gLinear0))
	}
	r.add("host_heap_kib", "host Go heap", "KiB/proc", per(hHeap1-hHeap0))
	r.add("host_stacks_kib", "host goroutine stacks", "KiB/proc", per(hStacks1-hStacks0))
	total := hHeap1 - hHeap0 + hStacks1 - hStacks0
	if !native {
		total += gLinear1 - gLinear0
	}
	r.add("total_kib", "memory per idle process, all", "KiB/proc", per(total))
	r.info("processes", n)
	return r, nil
}
