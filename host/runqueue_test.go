package host

import (
	"testing"
	"time"
)

// TestRunQueueServesLeastUsedFirst: the instance that has used the shard
// least goes first, ties in arrival order; one joining after idling starts
// at the runtime of the last served; charging a queued instance reorders it.
func TestRunQueueServesLeastUsedFirst(t *testing.T) {
	var q runQueue
	newInstance := func() *instance { return &instance{runIndex: -1} }
	busy, quiet, late := newInstance(), newInstance(), newInstance()
	expect := func(want *instance, why string) {
		t.Helper()
		if got := q.pop(); got != want {
			t.Fatalf("%s: popped the instance at %v", why, got.vruntime)
		}
		if want.runIndex != -1 {
			t.Fatalf("%s: a popped instance keeps a queue position", why)
		}
	}
	q.push(busy)
	q.push(quiet)
	expect(busy, "equal runtimes: first come first served")
	q.charge(busy, 10*time.Millisecond)
	q.push(busy)
	expect(quiet, "the one that used less goes first")
	q.charge(quiet, 21*time.Millisecond)
	q.push(quiet)
	expect(busy, "10 ms before 21 ms")
	q.push(late) // idle so far: starts at the last served one's runtime
	if late.vruntime != 10*time.Millisecond {
		t.Fatalf("late joiner at %v, want the floor 10ms", late.vruntime)
	}
	q.push(busy)                         // 10 ms, arrived after late
	q.charge(busy, 100*time.Millisecond) // charged while queued: moves back
	expect(late, "late (10ms) first")
	expect(quiet, "quiet (21ms) next")
	expect(busy, "busy (110ms) last")
	if q.pop() != nil || q.Len() != 0 {
		t.Fatal("queue not empty")
	}
}
