package lua

import (
	"context"
	"os"
	"testing"
)

// The switch in mainLoopWithContext (MOONBOX.md, "Switch dispatch") runs
// the hot opcodes apart from jumpTable, and its OP_CALL and OP_RETURN use
// the growing call stack without its interface: upstream's scripts run
// through it with both kinds of call stack, and its opcodes are metered as
// every other instruction is.

func meteredSetup(L *LState) {
	// os.lua checks that a variable it then sets is unset: clear it after
	// TestGlua's run in this process.
	os.Unsetenv("_____GLUATEST______")
	left := int64(1) << 62
	L.SetContext(context.Background())
	L.SetCountdown(&left)
}

func TestScriptsThroughSwitchLoop(t *testing.T) {
	for _, minimize := range []bool{false, true} {
		options := Options{
			RegistrySize:        1024 * 20,
			CallStackSize:       1024,
			IncludeGoStackTrace: true,
			MinimizeStackMemory: minimize,
		}
		testScripts(t, gluaTests, "_glua-tests", options, meteredSetup)
		testScripts(t, luaTests, "_lua5.1-tests", options, meteredSetup)
	}
}

// spent runs src with a countdown and returns the instructions it took
// and the compiled chunk.
func spent(t *testing.T, minimize bool, src string) (int64, *FunctionProto) {
	t.Helper()
	L := NewState(Options{MinimizeStackMemory: minimize})
	defer L.Close()
	fn, err := L.LoadString(src)
	if err != nil {
		t.Fatal(err)
	}
	const start = int64(1) << 40
	left := start
	L.SetContext(context.Background())
	L.SetCountdown(&left)
	L.Push(fn)
	if err := L.PCall(0, MultRet, nil); err != nil {
		t.Fatal(err)
	}
	return start - left, fn.Proto
}

func TestSwitchLoopMetersEveryInstruction(t *testing.T) {
	for _, minimize := range []bool{false, true} {
		// Straight-line code: every instruction of the chunk and of f runs
		// once, but those OP_MOVEN and OP_CLOSURE read as their operands
		// (dispatched), covering MOVE, LOADK, GETUPVAL, GETGLOBAL,
		// GETTABLE(KS), SETTABLE(KS), SELF, the arithmetic, NOT, CALL (of a
		// Lua and of a Go function) and RETURN.
		n, proto := spent(t, minimize, `
			local k = 2
			local function f(a, b) local c = a * k - a / b + 1 local d = not c end
			local t = {x = 1}
			local u = t.x + 2
			t.y = u
			t[1] = t["x"]
			local v = u
			local w = 4
			f(3, v)
			local s = ("ab"):len()
			local g = string`)
		f := proto.FunctionPrototypes[0]
		if want := dispatched(proto) + dispatched(f); n != want {
			t.Errorf("straight-line chunk (minimize %v): %d instructions counted, want %d", minimize, n, want)
		}
		// Branches, counted by hand from the compiled code: LOADK x2; LT,
		// JMP, LOADBOOL; EQ (skips its JMP), LOADBOOL; LE, JMP, LOADBOOL;
		// TEST (skips its JMP), LOADK; TESTSET (skips its JMP), MOVE;
		// RETURN.
		if n, _ := spent(t, minimize, `local a, b = 1, 2 local x = a < b local y = a == b local z = a <= b if a then b = 3 end local c = a and b`); n != 15 {
			t.Errorf("comparisons (minimize %v): %d instructions counted, want 15", minimize, n)
		}
		// LOADK x3, FORPREP, FORLOOP four times (three back, one out), RETURN.
		if n, _ := spent(t, minimize, `for i = 1, 3 do end`); n != 9 {
			t.Errorf("numeric for (minimize %v): %d instructions counted, want 9", minimize, n)
		}
	}
}

// dispatched is the number of instructions of straight-line code the loop
// dispatches: all but the operands OP_MOVEN and OP_CLOSURE read themselves.
func dispatched(proto *FunctionProto) int64 {
	n := int64(len(proto.Code))
	for _, inst := range proto.Code {
		switch opGetOpCode(inst) {
		case OP_MOVEN:
			n -= int64(opGetArgC(inst))
		case OP_CLOSURE:
			n -= int64(proto.FunctionPrototypes[opGetArgBx(inst)].NumUpvalues)
		}
	}
	return n
}

// truthy answers as LVAsBool for every kind of value, a nil interface and
// a *LNilType that is not LNil included.
func TestTruthyIsLVAsBool(t *testing.T) {
	L := NewState()
	defer L.Close()
	for _, v := range []LValue{LNil, LTrue, LFalse, LNumber(0), LString(""), L.NewTable(), L.NewUserData(), &LNilType{}, nil} {
		if got, want := truthy(v), LVAsBool(v); got != want {
			t.Errorf("truthy(%#v) = %v, LVAsBool says %v", v, got, want)
		}
	}
}

// The switch's CALL and RETURN take a path without calls when the frame
// fits in the call stack's segment and the registers in the registry, and
// start over in the general code otherwise (MOONBOX.md, "no call rejoins a
// hot path"): across segments (4 frames, then 8 each), with a registry that must
// grow, and past each case the fast paths leave out, the results are the
// plain loop's.
func TestCallFastPathsMatchPlainLoop(t *testing.T) {
	src := `
		local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
		local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
		local function pick(a, b, c) local x, y, z = a, b, c return z end
		local function closes(n) local v = n local g = function() return v end return g() end
		local function va(...) return select("#", ...) end
		local function two() return 1, 2 end
		local callable = setmetatable({}, {__call = function(self, x) return x * 2 end})
		local out = {
			fib(20), depth(150), pick(1), pick(1, 2, 3, 4), (pick()), closes(7),
			va(1, nil, 3), select("#", two()), (two()), math.max(3, depth(9)), callable(21),
			depth(20) + (function() return depth(30) end)(),
		}
		for i = 1, #out do out[i] = tostring(out[i]) end
		return table.concat(out, " ")
	`
	run := func(metered bool) string {
		L := NewState(Options{MinimizeStackMemory: metered, RegistrySize: 8, RegistryMaxSize: 1 << 16})
		defer L.Close()
		if metered {
			left := int64(1) << 40
			L.SetContext(context.Background())
			L.SetCountdown(&left)
		}
		if err := L.DoString(src); err != nil {
			t.Fatal(err)
		}
		return L.Get(-1).String()
	}
	want := "6765 150 nil 3 nil 7 3 2 1 9 42 50"
	if got := run(false); got != want {
		t.Fatalf("plain loop: %q, want %q", got, want)
	}
	if got := run(true); got != want {
		t.Fatalf("switch loop: %q, want %q", got, want)
	}
}
