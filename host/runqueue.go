package host

import (
	"container/heap"
	"time"
)

// runQueue orders a shard's instances with work by their virtual runtime:
// the shard time each has used. The one that has used the least goes next,
// so an instance that handles a message and blocks again (a latency-bound
// neighbour) is served ahead of one that keeps the shard busy, instead of
// waiting behind it in turn. An instance joining the queue starts no lower
// than the runtime of the last one served: time spent idle is not credit.
type runQueue struct {
	heap  instanceHeap
	floor time.Duration // virtual runtime of the instance served last
	seq   uint64        // arrival order, to break ties first come first served
}

func (q *runQueue) Len() int { return len(q.heap) }

// ready reports whether an instance waits that no server is stepping (one
// can be queued while its turn runs: its processes posted to each other).
func (q *runQueue) ready() bool {
	for _, in := range q.heap {
		if !in.running {
			return true
		}
	}
	return false
}

func (q *runQueue) push(in *instance) {
	if in.vruntime < q.floor {
		in.vruntime = q.floor
	}
	q.seq++
	in.arrival = q.seq
	in.waiting.Store(true)
	heap.Push(&q.heap, in)
}

func (q *runQueue) pop() *instance {
	if len(q.heap) == 0 {
		return nil
	}
	in := heap.Pop(&q.heap).(*instance)
	in.waiting.Store(false)
	q.floor = max(q.floor, in.vruntime)
	return in
}

// charge adds a turn's duration to in's virtual runtime, in place if it is
// queued (work posted during its turn queues it again).
func (q *runQueue) charge(in *instance, d time.Duration) {
	in.vruntime += d
	if in.runIndex >= 0 {
		heap.Fix(&q.heap, in.runIndex)
	}
}

// instanceHeap implements heap.Interface; runIndex is each instance's
// position, -1 when it is not queued.
type instanceHeap []*instance

func (h instanceHeap) Len() int { return len(h) }
func (h instanceHeap) Less(i, j int) bool {
	if h[i].vruntime != h[j].vruntime {
		return h[i].vruntime < h[j].vruntime
	}
	return h[i].arrival < h[j].arrival
}
func (h instanceHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].runIndex, h[j].runIndex = i, j
}
func (h *instanceHeap) Push(x any) {
	in := x.(*instance)
	in.runIndex = len(*h)
	*h = append(*h, in)
}
func (h *instanceHeap) Pop() any {
	old := *h
	in := old[len(old)-1]
	old[len(old)-1] = nil
	in.runIndex = -1
	*h = old[:len(old)-1]
	return in
}
