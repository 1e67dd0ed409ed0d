package lua

import (
	"strings"
	"testing"
)

// TestGrowingCallStackOverflow: with MinimizeStackMemory, recursion past
// CallStackSize raises "stack overflow", which pcall catches, and the state
// stays usable (upstream panicked mid-push instead).
func TestGrowingCallStackOverflow(t *testing.T) {
	L := NewState(Options{CallStackSize: 40, MinimizeStackMemory: true})
	defer L.Close()
	err := L.DoString(`
		local function deep(n) return 1 + deep(n + 1) end
		local ok, err = pcall(deep, 1)
		assert(not ok, "recursion did not fail")
		msg = tostring(err)
		local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
		after = depth(30)`)
	if err != nil {
		t.Fatal(err)
	}
	if msg := L.GetGlobal("msg").String(); !strings.Contains(msg, "stack overflow") {
		t.Fatalf("pcall error %q, want a stack overflow", msg)
	}
	if after := L.GetGlobal("after"); after != LNumber(30) {
		t.Fatalf("recursion after the overflow returned %v, want 30", after)
	}
}

// TestGrowingCallStackSetSpAtBoundary: SetSp to the current depth on a full
// segment keeps every frame.
func TestGrowingCallStackSetSpAtBoundary(t *testing.T) {
	cs := newAutoGrowingCallFrameStack(64).(*autoGrowingCallFrameStack)
	for i := 0; i < FramesPerSegment; i++ {
		cs.Push(callFrame{Pc: i})
	}
	cs.SetSp(FramesPerSegment)
	if cs.Sp() != FramesPerSegment || cs.Last().Pc != FramesPerSegment-1 {
		t.Fatalf("after SetSp(%d): Sp %d, last frame %d", FramesPerSegment, cs.Sp(), cs.Last().Pc)
	}
	cs.Push(callFrame{Pc: 100})
	cs.SetSp(3)
	if cs.Sp() != 3 || cs.Last().Pc != 2 {
		t.Fatalf("after SetSp(3): Sp %d, last frame %d", cs.Sp(), cs.Last().Pc)
	}
}

// TestGrowingCallStackGrowsItsSegmentList: the list of segments starts with
// one and grows with the stack, up to the maximum, where the stack is full.
func TestGrowingCallStackGrowsItsSegmentList(t *testing.T) {
	cs := newAutoGrowingCallFrameStack(64).(*autoGrowingCallFrameStack)
	if len(cs.segments) != 1 {
		t.Fatalf("a new stack holds %d segment pointers, want 1", len(cs.segments))
	}
	for i := 0; i < 64; i++ {
		if cs.IsFull() {
			t.Fatalf("full after %d frames", i)
		}
		cs.Push(callFrame{Pc: i})
	}
	if !cs.IsFull() || len(cs.segments) != 64/FramesPerSegment {
		t.Fatalf("after 64 frames: full %v, %d segments", cs.IsFull(), len(cs.segments))
	}
	cs.SetSp(3)
	for i := 3; i < 64; i++ {
		cs.Push(callFrame{Pc: i})
	}
	if cs.Last().Pc != 63 || cs.Sp() != 64 {
		t.Fatalf("regrown: last pc %d, sp %d", cs.Last().Pc, cs.Sp())
	}
}
