package vm

import (
	"container/heap"
	"encoding/binary"

	"github.com/moonbox-runtime/moonbox/abi"
)

// runQueue decides which runnable task of the instance goes next: CPU is
// shared along the spawn tree. A process and everything it spawned share the
// slot its parent gave it: under a slot, the process's own tasks and each
// child's subtree are served in turn by the work they have done (instructions
// and charges, as the budget counts them), the one that has done the least
// first. A fork bomb beside a ping-pong pair, spawned by the same parent,
// gets one slot of three however many processes it makes, and a pair that
// handles a message and waits again is served ahead of it, as a
// latency-bound instance is ahead of a busy one in the host's run queue.
// With one queue served in turn, every runnable bomb process ran a period
// (a spawn) before each step of the pair.
//
// The tree is the host's (abi.RecordStart's lineage): the PID sequence
// numbers of a process's ancestors and its own, root first, at most
// abi.SpawnTreeDepth of them, so a process deeper than that shares its
// ancestor's own place. A slot outlives its process while any of its
// descendants lives in the instance: orphans go on sharing the slot they
// were spawned into, not a new one each beside their grandparent. Ancestors
// living on another shard are slots here all the same, so the shares hold
// in each of the tenant's instances.
type runQueue struct {
	root slot
	n    int    // tasks queued
	seq  uint64 // arrivals, to serve equal work first come first served
}

// slot is a subtree of the spawn tree in this instance, or a process's own
// place in it (a leaf, where its tasks queue: the self of its subtree's
// slot, served beside the subtrees of its children).
type slot struct {
	key   uint64 // the spawn sequence number of its process; 0 for a leaf
	up    *slot
	sub   map[uint64]*slot // children's subtrees, made with the first
	self  *slot            // the process's own leaf
	tasks queue[*task]     // a leaf's queued tasks
	// work is what the slot's tasks have run, in budget units, counted
	// from no lower than its parent's floor when it last became runnable:
	// time spent waiting is not credit.
	work  int64
	floor int64   // the work of the child served last
	ready []*slot // runnable children, a heap by work
	index int     // position in up.ready, -1 when not runnable
	since uint64  // arrival order when it last became runnable
	refs  int     // live processes at or under it
}

func (q *runQueue) len() int { return q.n }

// join places a process in the tree by its lineage (a RecordStart's: u64
// little-endian sequence numbers, root first; past abi.SpawnTreeDepth of
// them the rest is ignored) and returns its leaf.
func (q *runQueue) join(lineage []byte) *slot {
	s := &q.root
	if s.self == nil {
		s.self = &slot{up: s, index: -1} // processes with no lineage
	}
	s.refs++
	for i := 0; i < abi.SpawnTreeDepth && len(lineage) >= 8*(i+1); i++ {
		s = s.child(binary.LittleEndian.Uint64(lineage[8*i:]))
		s.refs++
	}
	s.self.refs++
	return s.self
}

// child is the subtree of the child key, made with its leaf in one
// allocation the first time: most processes spawn none, and have no map.
func (s *slot) child(key uint64) *slot {
	c := s.sub[key]
	if c == nil {
		if s.sub == nil {
			s.sub = map[uint64]*slot{}
		}
		pair := &[2]slot{{key: key, up: s, index: -1}, {index: -1}}
		c = &pair[0]
		c.self, pair[1].up = &pair[1], c
		s.sub[key] = c
	}
	return c
}

// leave forgets a process that exited: the slots no live process is at or
// under and no task waits in are dropped.
func (q *runQueue) leave(leaf *slot) {
	for s := leaf; s != nil; s = s.up {
		s.refs--
	}
	for s := leaf; s.up != nil && s.refs == 0 && s.index < 0 && s.tasks.len() == 0; s = s.up {
		if s.up.sub[s.key] == s {
			delete(s.up.sub, s.key)
		}
	}
}

// push queues t at the end of its process's leaf; the leaf and the slots
// above it become runnable.
func (q *runQueue) push(t *task) {
	leaf := t.proc.slot
	leaf.tasks.push(t)
	q.n++
	for s := leaf; s.up != nil && s.index < 0; s = s.up {
		s.work = max(s.work, s.up.floor)
		q.seq++
		s.since = q.seq
		heap.Push((*slotHeap)(&s.up.ready), s)
	}
}

// pop takes the next task: from the root down, the runnable slot that has
// done the least work, to a leaf, and the first task queued there.
func (q *runQueue) pop() (*task, bool) {
	if q.n == 0 {
		return nil, false
	}
	s := &q.root
	for len(s.ready) > 0 {
		c := s.ready[0]
		s.floor = max(s.floor, c.work)
		s = c
	}
	t, _ := s.tasks.pop()
	q.n--
	// A slot with nothing queued leaves its parent's heap, and so up.
	for ; s.up != nil && s.tasks.len() == 0 && len(s.ready) == 0; s = s.up {
		heap.Remove((*slotHeap)(&s.up.ready), s.index)
		if s.refs == 0 && s.up.sub[s.key] == s {
			delete(s.up.sub, s.key)
		}
	}
	return t, true
}

// charge counts work units run by t to its leaf and every slot above it.
func (q *runQueue) charge(t *task, work int64) {
	for s := t.proc.slot; s.up != nil; s = s.up {
		s.work += work
		if s.index >= 0 {
			heap.Fix((*slotHeap)(&s.up.ready), s.index)
		}
	}
}

// slotHeap is a slot's runnable children, least work first.
type slotHeap []*slot

func (h slotHeap) Len() int { return len(h) }
func (h slotHeap) Less(i, j int) bool {
	if h[i].work != h[j].work {
		return h[i].work < h[j].work
	}
	return h[i].since < h[j].since
}
func (h slotHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *slotHeap) Push(x any) {
	s := x.(*slot)
	s.index = len(*h)
	*h = append(*h, s)
}
func (h *slotHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	s.index = -1
	*h = old[:len(old)-1]
	return s
}
