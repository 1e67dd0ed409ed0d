package probe

import (
	"runtime"
	"time"

	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// The two primitives a guest that parks processes as Lua coroutines instead
// of goroutines would be made of (docs/perf-findings.md, finding 11): an activation
// as a resume and a yield on one goroutine, and a parked process as a
// suspended Lua thread with no goroutine of its own.

// parkedLoop is a process's loop: it yields (blocks) forever, a few calls
// deep in Lua.
const parkedLoop = `
local function wait() return coroutine.yield() end
local function serve() while true do wait() end end
return function() serve() end`

// coroutineState is a Lua state with the loop compiled, sized as the guest
// sizes a task (a small growing registry and call stack).
func coroutineState() (*lua.LState, *lua.LFunction) {
	L := lua.NewState(lua.Options{RegistrySize: 32, RegistryMaxSize: 1 << 18, RegistryGrowStep: 32,
		CallStackSize: 200, MinimizeStackMemory: true})
	if err := L.DoString(parkedLoop); err != nil {
		panic(err)
	}
	fn := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return L, fn
}

// resumeYields resumes a suspended Lua thread that yields straight back: the
// hand-off of a coroutine activation, against a goroutine's (hand-off).
func resumeYields(n int) float64 {
	L, fn := coroutineState()
	defer L.Close()
	co, _ := L.NewThread()
	if st, err, _ := L.Resume(co, fn); st != lua.ResumeYield {
		panic(err)
	}
	t := time.Now()
	for i := 0; i < n; i++ {
		L.Resume(co, nil)
	}
	return per(t, n)
}

// parkedThreadCollect suspends n Lua threads (at most 20,000) in the loop
// and returns what each adds to a full collection, against a parked
// goroutine (gc-goroutine). A thread is a few small objects, so the
// difference needs many of them and the best of three collections.
func parkedThreadCollect(n int) float64 {
	n = min(n, 20000)
	L, fn := coroutineState()
	defer L.Close()
	base := bestCollect()
	threads := make([]*lua.LState, n)
	for i := range threads {
		threads[i], _ = L.NewThread()
		L.Resume(threads[i], fn)
	}
	d := bestCollect() - base
	runtime.KeepAlive(threads)
	return max(d, 0) / float64(n)
}

func bestCollect() float64 {
	best := collect()
	for range 2 {
		best = min(best, collect())
	}
	return best
}
