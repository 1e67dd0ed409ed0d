package lab

import (
	"fmt"
	"slices"
	"time"

	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// Baselines are figures measured outside Moonbox, printed beside a
// workload's for scale: fib.lua in a plain gopher-lua state, with no
// sandbox, no scheduler and no instruction metering.

// fibBaseline runs fib.lua in a plain gopher-lua state and adds each mode's
// ratio to it.
func (b *bench) fibBaseline(modes []*result) (*result, error) {
	src, err := luaFS.ReadFile("workloads/fib/fib.lua")
	if err != nil {
		return nil, err
	}
	n := b.fibN()
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(string(src)); err != nil {
		return nil, err
	}
	fib := L.Get(-1)
	L.Pop(1)
	call := func(n int) (float64, error) {
		if err := L.CallByParam(lua.P{Fn: fib, NRet: 1, Protect: true}, lua.LNumber(n)); err != nil {
			return 0, err
		}
		v := float64(L.Get(-1).(lua.LNumber))
		L.Pop(1)
		return v, nil
	}
	if _, err := call(15); err != nil { // as the Lua side does
		return nil, err
	}
	var times []float64
	for range repeats {
		t0 := time.Now()
		v, err := call(n)
		times = append(times, float64(time.Since(t0))/1e6)
		if err != nil {
			return nil, err
		}
		if v != fibValue(n) {
			return nil, fmt.Errorf("gopher-lua fib(%d) = %v", n, v)
		}
	}
	base := slices.Min(times)
	for _, r := range modes {
		if ms, ok := r.get("ms"); ok {
			r.add("x_gopher_lua", "  time / plain gopher-lua", "x", ms/base)
		}
	}
	r := &result{Mode: "gopher-lua"}
	r.add("ms", fmt.Sprintf("fib(%d), best of %d", n, repeats), "ms", base)
	r.info("n", n)
	return r, nil
}
