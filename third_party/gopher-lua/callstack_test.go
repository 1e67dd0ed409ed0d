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

// TestGrowingCallStackGrowsItsSegmentList: the list of segments starts
// empty (the first segment is part of the stack) and grows with the stack,
// up to the maximum, where the stack is full.
func TestGrowingCallStackGrowsItsSegmentList(t *testing.T) {
	cs := newAutoGrowingCallFrameStack(64).(*autoGrowingCallFrameStack)
	if len(cs.segments) != 0 {
		t.Fatalf("a new stack holds %d segment pointers, want 0", len(cs.segments))
	}
	for i := 0; i < 64; i++ {
		if cs.IsFull() {
			t.Fatalf("full after %d frames", i)
		}
		cs.Push(callFrame{Pc: i})
	}
	// The first segment, then 60 frames in segments of 8.
	if want := 1 + (64-FirstSegmentFrames+FramesPerSegment-1)/FramesPerSegment; !cs.IsFull() || len(cs.segments) != want {
		t.Fatalf("after 64 frames: full %v, %d segments, want %d", cs.IsFull(), len(cs.segments), want)
	}
	cs.SetSp(3)
	for i := 3; i < 64; i++ {
		cs.Push(callFrame{Pc: i})
	}
	if cs.Last().Pc != 63 || cs.Sp() != 64 {
		t.Fatalf("regrown: last pc %d, sp %d", cs.Last().Pc, cs.Sp())
	}
}

// TestGrowingCallStackAcrossSegments: every depth, in the first segment and
// in the pooled ones, is the same frame by Push, At, Last, Pop and SetSp.
func TestGrowingCallStackAcrossSegments(t *testing.T) {
	cs := newAutoGrowingCallFrameStack(200).(*autoGrowingCallFrameStack)
	const n = 3*FramesPerSegment + FirstSegmentFrames + 1
	for i := 0; i < n; i++ {
		cs.Push(callFrame{Pc: i})
		if cs.Sp() != i+1 || cs.Last().Pc != i || cs.Last().Idx != i {
			t.Fatalf("push %d: sp %d, last pc %d idx %d", i, cs.Sp(), cs.Last().Pc, cs.Last().Idx)
		}
	}
	for i := 0; i < n; i++ {
		if f := cs.At(i); f.Pc != i || f.Idx != i {
			t.Fatalf("At(%d): pc %d idx %d", i, f.Pc, f.Idx)
		}
	}
	for sp := n - 1; sp >= 0; sp-- {
		if f := cs.Pop(); f == nil || f.Pc != sp {
			t.Fatalf("pop at depth %d: %+v", sp+1, f)
		}
		if cs.Sp() != sp {
			t.Fatalf("after pop: sp %d, want %d", cs.Sp(), sp)
		}
		if sp > 0 && cs.Last().Pc != sp-1 {
			t.Fatalf("after pop to %d: last pc %d", sp, cs.Last().Pc)
		}
	}
	if !cs.IsEmpty() || cs.Pop() != nil || cs.Last() != nil {
		t.Fatal("the emptied stack is not empty")
	}
	for _, to := range []int{FirstSegmentFrames + FramesPerSegment, FirstSegmentFrames, FirstSegmentFrames - 1, 0} {
		for i := cs.Sp(); i < n; i++ {
			cs.Push(callFrame{Pc: i})
		}
		cs.SetSp(to)
		if cs.Sp() != to || (to > 0 && cs.Last().Pc != to-1) {
			t.Fatalf("SetSp(%d): sp %d", to, cs.Sp())
		}
		cs.Push(callFrame{Pc: 1000})
		if f := cs.At(to); f.Pc != 1000 || f.Idx != to {
			t.Fatalf("after SetSp(%d), a push is at pc %d idx %d", to, f.Pc, f.Idx)
		}
		cs.Pop()
	}
}
