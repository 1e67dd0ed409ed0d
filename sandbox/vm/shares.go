package vm

import (
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
	floor int64    // the work of the child served last
	ready slotHeap // runnable children, least work first
	since uint64   // arrival order when it last became runnable
	// index is its position in up.ready, -1 when not runnable; refs the
	// live processes at or under it. Two int32s: a slot is 120 bytes and a
	// process's pair of them a 240-byte allocation, not 256.
	index int32
	refs  int32
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
		s.up.ready.push(s)
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
		s.up.ready.remove(int(s.index))
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
			s.up.ready.fix(int(s.index))
		}
	}
}

// slotHeap is a slot's runnable children, a binary heap by work, then
// arrival; each child's index is its position. Written out rather than
// through container/heap: a message handled costs a push and a pop per
// level of the tree, and the interface calls made that 230 ns natively.
type slotHeap []*slot

func (h slotHeap) less(i, j int) bool {
	if h[i].work != h[j].work {
		return h[i].work < h[j].work
	}
	return h[i].since < h[j].since
}

func (h slotHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = int32(i), int32(j)
}

func (h *slotHeap) push(s *slot) {
	s.index = int32(len(*h))
	*h = append(*h, s)
	h.up(len(*h) - 1)
}

// remove takes out the child at i.
func (h *slotHeap) remove(i int) {
	old := *h
	last := len(old) - 1
	if i != last {
		old.swap(i, last)
	}
	old[last].index = -1
	old[last] = nil
	*h = old[:last]
	if i != last {
		h.fix(i)
	}
}

// fix restores the order after the child at i changed its work.
func (h slotHeap) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h slotHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down moves the child at i down while a child of it goes first, and
// reports whether it moved.
func (h slotHeap) down(i int) bool {
	start := i
	for {
		least := 2*i + 1
		if least >= len(h) {
			break
		}
		if r := least + 1; r < len(h) && h.less(r, least) {
			least = r
		}
		if !h.less(least, i) {
			break
		}
		h.swap(i, least)
		i = least
	}
	return i > start
}
