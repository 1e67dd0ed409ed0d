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
