// Package probe measures the primitives the guest runtime is made of (a
// function call, an allocation, a goroutine hand-off, a clock read, the
// per-instruction check stock gopher-lua does) so their cost in the wasm
// sandbox can be set next to their native cost. It explains the floor under
// the sandbox's figures in BENCHMARKS.md (docs/perf-findings.md); see probe_test.go to run it.
package probe

import (
	"runtime"
	"time"
)

// A Primitive runs its operation n times and returns the nanoseconds each
// took.
type Primitive struct {
	Name string
	What string
	Run  func(n int) float64
}

// Primitives are measured in this order; the guest exports them by index.
var Primitives = []Primitive{
	{"call", "a call of a small function that is not inlined", calls},
	{"interface-call", "a method call through an interface", interfaceCalls},
	{"nil-select", "an interface call and a select on its nil channel with a default (stock gopher-lua, per instruction)", selects},
	{"alloc-64", "a 64-byte allocation (garbage collection included)", allocs},
	{"map-string", "a map lookup by a short string key", mapLookups},
	{"clock", "time.Now (a host call for each of wall and monotonic clock in wasm)", clocks},
	{"hand-off", "a goroutine hand-off and back through two unbuffered channels (the guest scheduler's baton)", handOffs},
	{"gc-goroutine", "what one goroutine parked 12 calls deep adds to a full collection (a blocked process)", parkedGoroutineCollect},
	{"gc-object", "what one live 48-byte object adds to a full collection", liveObjectCollect},
	{"resume-yield", "a Lua coroutine resumed from Go that yields straight back (an activation without a goroutine switch)", resumeYields},
	{"gc-lua-thread", "what one Lua thread suspended in coroutine.yield, 3 Lua calls deep, adds to a full collection (a process parked as a coroutine)", parkedThreadCollect},
}

func per(start time.Time, n int) float64 {
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

//go:noinline
func inc(v int) int { return v + 1 }

var sink int

func calls(n int) float64 {
	t, v := time.Now(), 0
	for i := 0; i < n; i++ {
		v = inc(v)
	}
	sink = v
	return per(t, n)
}

type counter interface{ Done() <-chan struct{} }

type countdown struct{ left int }

func (c *countdown) Done() <-chan struct{} {
	c.left--
	return nil
}

var viaInterface counter = &countdown{}

func interfaceCalls(n int) float64 {
	t := time.Now()
	for i := 0; i < n; i++ {
		viaInterface.Done()
	}
	return per(t, n)
}

func selects(n int) float64 {
	t, v := time.Now(), 0
	for i := 0; i < n; i++ {
		select {
		case <-viaInterface.Done():
			v--
		default:
			v++
		}
	}
	sink = v
	return per(t, n)
}

var garbage []byte

func allocs(n int) float64 {
	t := time.Now()
	for i := 0; i < n; i++ {
		garbage = make([]byte, 64)
	}
	return per(t, n)
}

func mapLookups(n int) float64 {
	m := map[string]int{"send": 1, "receive": 2, "spawn": 3, "topic": 4, "payload": 5, "from": 6}
	keys := []string{"send", "receive", "topic", "from"}
	t, v := time.Now(), 0
	for i := 0; i < n; i++ {
		v += m[keys[i&3]]
	}
	sink = v
	return per(t, n)
}

func clocks(n int) float64 {
	t := time.Now()
	for i := 0; i < n; i++ {
		time.Now()
	}
	return per(t, n)
}

func handOffs(n int) float64 {
	wake, back := make(chan struct{}), make(chan struct{})
	go func() {
		for range wake {
			back <- struct{}{}
		}
	}()
	// Native Go runs the two goroutines on two threads; the guest has one.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	t := time.Now()
	for i := 0; i < n; i++ {
		wake <- struct{}{}
		<-back
	}
	d := per(t, n)
	close(wake)
	return d
}

//go:noinline
func parkAt(depth int, c chan struct{}) int {
	if depth == 0 {
		<-c
		return 0
	}
	return parkAt(depth-1, c) + 1
}

// collect returns the nanoseconds of one full collection.
func collect() float64 {
	runtime.GC()
	t := time.Now()
	runtime.GC()
	return float64(time.Since(t).Nanoseconds())
}

// parkedGoroutineCollect parks n goroutines (at most 2,000) and returns
// what each adds to a full collection.
func parkedGoroutineCollect(n int) float64 {
	n = min(n, 2000)
	base := collect()
	release := make(chan struct{})
	for i := 0; i < n; i++ {
		go parkAt(12, release)
	}
	runtime.Gosched()
	d := collect() - base
	close(release)
	return d / float64(n)
}

var live [][]byte

// liveObjectCollect keeps n objects (at most 200,000) alive and returns
// what each adds to a full collection.
func liveObjectCollect(n int) float64 {
	n = min(n, 200000)
	base := collect()
	live = make([][]byte, n)
	for i := range live {
		live[i] = make([]byte, 48)
	}
	d := collect() - base
	live = nil
	return d / float64(n)
}
