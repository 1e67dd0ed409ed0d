package lab

import (
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
)

// footprint samples what an attacker holds, for the rest of a stress row:
// every millisecond its live processes (all the runtime's but the good
// tenant's ping and pong), every tenth sample the host heap.
type footprint struct {
	rt  *host.Runtime
	clk *clock

	mu        sync.Mutex
	attacking bool
	peak      int    // most attacker processes alive at once
	last      int    // attacker processes alive at the last sample
	heapPeak  uint64 // largest host heap sampled
	zeroSince int64  // clock time the attacker was first seen with no process (-1: it has some)

	stop, done chan struct{}
	stopOnce   sync.Once
}

// watchFootprint starts sampling.
func watchFootprint(rt *host.Runtime, clk *clock) *footprint {
	f := &footprint{rt: rt, clk: clk, zeroSince: -1, stop: make(chan struct{}), done: make(chan struct{})}
	go f.sample()
	return f
}

func (f *footprint) sample() {
	defer close(f.done)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	n := 0
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		live := f.rt.Processes() - 2
		var heap uint64
		if n%10 == 0 {
			heap = hostHeap()
		}
		n++
		f.mu.Lock()
		if f.attacking {
			f.peak = max(f.peak, live)
			f.last = live
			if live <= 0 && f.zeroSince < 0 {
				f.zeroSince = f.clk.now()
			} else if live > 0 {
				f.zeroSince = -1
			}
		}
		f.heapPeak = max(f.heapPeak, heap)
		f.mu.Unlock()
	}
}

// attack starts counting the attacker's processes; the heap peak starts
// from heap, the level before the attack.
func (f *footprint) attack(heap uint64) {
	f.mu.Lock()
	f.attacking, f.heapPeak = true, heap
	f.mu.Unlock()
}

// goneSince is the clock time since when the attacker has had no process
// (-1: it has some).
func (f *footprint) goneSince() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.zeroSince
}

// live is the attacker's processes at the last sample.
func (f *footprint) live() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// end stops sampling (once; later calls just wait) and returns the peaks.
func (f *footprint) end() (peak int, heapPeak uint64) {
	f.stopOnce.Do(func() { close(f.stop) })
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak, f.heapPeak
}
