package vm

import (
	"encoding/binary"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

func lineageOf(seqs ...uint64) []byte {
	var b []byte
	for _, s := range seqs {
		b = binary.LittleEndian.AppendUint64(b, s)
	}
	return b
}

// shareTask is a task of a process placed at lineage.
func shareTask(q *runQueue, seqs ...uint64) *task {
	return &task{proc: &process{slot: q.join(lineageOf(seqs...))}}
}

// TestSharesFollowTheSpawnTree: a parent (1) has three children: a bomb (2)
// whose 100 descendants are always runnable, and a pair (3, 4) runnable
// whenever it is not running. Each activation runs 1,000 units. The bomb's
// whole subtree gets one slot of three: the pair runs twice in every three
// activations, however many processes the bomb has. With one queue served
// in turn the pair would run twice in every 102.
func TestSharesFollowTheSpawnTree(t *testing.T) {
	var q runQueue
	var bomb []*task
	for i := range 100 {
		// Children and grandchildren of the bomb: deeper ones share its slot.
		seqs := []uint64{1, 2, 100 + uint64(i)}
		if i%2 == 1 {
			seqs = append(seqs, 1000+uint64(i))
		}
		bomb = append(bomb, shareTask(&q, seqs...))
	}
	ping, pong := shareTask(&q, 1, 3), shareTask(&q, 1, 4)
	for _, b := range bomb {
		q.push(b)
	}
	q.push(ping)
	q.push(pong)
	runs := map[*task]int{}
	for range 3000 {
		next, ok := q.pop()
		if !ok {
			t.Fatal("the queue ran dry")
		}
		runs[next]++
		q.charge(next, 1000)
		q.push(next)
	}
	pair := runs[ping] + runs[pong]
	if pair < 1990 || pair > 2010 {
		t.Errorf("the pair ran %d of 3000 activations, want 2000 (two slots of three)", pair)
	}
	for _, b := range bomb {
		if runs[b] < 5 || runs[b] > 15 {
			t.Errorf("a bomb process ran %d times, want about 10 (its slot shared by 100)", runs[b])
		}
	}
}

// TestSharesServeTheWaiterFirst: a task that waited rejoins at the work of
// the slot served last (no credit for the time it waited, but no debt), so
// it runs before busy siblings that have run since.
func TestSharesServeTheWaiterFirst(t *testing.T) {
	var q runQueue
	busy := []*task{shareTask(&q, 1, 2), shareTask(&q, 1, 2, 5), shareTask(&q, 1, 6)}
	waiter := shareTask(&q, 1, 3)
	for _, b := range busy {
		q.push(b)
	}
	for range 50 {
		next, _ := q.pop()
		q.charge(next, 2000)
		q.push(next)
	}
	q.push(waiter) // a message came
	if next, _ := q.pop(); next != waiter {
		t.Fatal("a task woken beside busy siblings waited behind them")
	}
}

// TestSharesForgetExitedProcesses: the slots of exited processes are dropped
// once nothing waits in them; a slot stays while a descendant lives.
func TestSharesForgetExitedProcesses(t *testing.T) {
	var q runQueue
	parent := shareTask(&q, 1)
	child := shareTask(&q, 1, 2)
	q.push(child)
	q.leave(parent.proc.slot)
	if q.root.sub[1] == nil {
		t.Fatal("the parent's slot was dropped while its child lives")
	}
	next, _ := q.pop()
	q.leave(next.proc.slot)
	if len(q.root.sub) != 0 || q.len() != 0 {
		t.Fatalf("slots left after every process exited: %d", len(q.root.sub))
	}
	// A lineage longer than the tree's depth shares its ancestor's leaf.
	deep := make([]uint64, abi.SpawnTreeDepth+3)
	for i := range deep {
		deep[i] = uint64(i + 1)
	}
	a, b := shareTask(&q, deep...), shareTask(&q, deep[:abi.SpawnTreeDepth]...)
	if a.proc.slot != b.proc.slot {
		t.Error("a process deeper than SpawnTreeDepth did not share its ancestor's slot")
	}
}

// BenchmarkSharesPingPong is the run queue's cost for a message handled:
// two processes under one parent, each woken by the other.
func BenchmarkSharesPingPong(b *testing.B) {
	var q runQueue
	ping, pong := shareTask(&q, 1, 2), shareTask(&q, 1, 3)
	q.push(ping)
	for b.Loop() {
		t, _ := q.pop()
		q.charge(t, 300)
		if t == ping {
			q.push(pong)
		} else {
			q.push(ping)
		}
	}
}
