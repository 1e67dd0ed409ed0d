package vm

import (
	"slices"
	"testing"
)

func drain(q *queue[int]) []int {
	var out []int
	for v, ok := q.pop(); ok; v, ok = q.pop() {
		out = append(out, v)
	}
	return out
}

func TestQueueIsFIFO(t *testing.T) {
	var q queue[int]
	for i := range 5 {
		q.push(i)
	}
	if v, _ := q.pop(); v != 0 {
		t.Fatalf("first pop %d, want 0", v)
	}
	q.push(5)
	if got := drain(&q); !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("drained %v", got)
	}
	if _, ok := q.pop(); ok || q.len() != 0 {
		t.Fatal("an empty queue popped a value")
	}
}

// TestQueueReusesItsArray: a queue drained now and then, or popped from the
// front while pushed at the back, keeps the array it has.
func TestQueueReusesItsArray(t *testing.T) {
	var q queue[int]
	for i := range 8 {
		q.push(i)
	}
	array := &q.items[:1][0]
	for round := range 100 {
		q.pop()
		q.push(round)
		if &q.items[:1][0] != array {
			t.Fatalf("round %d: the queue moved to a new array", round)
		}
	}
	drain(&q)
	for i := range 8 {
		q.push(i)
	}
	if &q.items[:1][0] != array {
		t.Fatal("a drained queue moved to a new array")
	}
}

func TestQueueCompactKeepsOrder(t *testing.T) {
	var q queue[int]
	for i := range 10 {
		q.push(i)
	}
	q.pop()
	q.compact(func(v int) bool { return v%3 != 0 })
	if got := drain(&q); !slices.Equal(got, []int{1, 2, 4, 5, 7, 8}) {
		t.Fatalf("after compact: %v", got)
	}
}

func TestQueueDropsALargeArray(t *testing.T) {
	var q queue[int]
	for i := range keepCap + 1 {
		q.push(i)
	}
	drain(&q)
	if q.items != nil {
		t.Fatalf("an emptied queue kept an array of %d", cap(q.items))
	}
}
