package vm

// queue is a FIFO that reuses its backing array: a pop advances head, and a
// queue popped empty starts over at the front of the same array, so a queue
// that drains now and then (a run queue, a channel's waiters) stops
// allocating. A slice popped by reslicing from the front would lose its
// capacity and reallocate on the next push. An array grown past keepCap (a
// spawn storm's run queue) is dropped when the queue empties.
type queue[T any] struct {
	items []T
	head  int
}

func (q *queue[T]) len() int { return len(q.items) - q.head }

func (q *queue[T]) push(v T) {
	if q.head > 0 && len(q.items) == cap(q.items) {
		q.compact(func(T) bool { return true })
	}
	q.items = append(q.items, v)
}

// pop removes the first item; ok is false when the queue is empty.
func (q *queue[T]) pop() (v T, ok bool) {
	if q.head == len(q.items) {
		return v, false
	}
	var zero T
	v, q.items[q.head] = q.items[q.head], zero
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
		if cap(q.items) > keepCap {
			q.items = nil
		}
	}
	return v, true
}

// keepCap is the largest array an emptied queue keeps.
const keepCap = 256

// compact moves the items keep accepts to the front, in order, and drops
// the rest.
func (q *queue[T]) compact(keep func(T) bool) {
	live := q.items[:0]
	for _, v := range q.items[q.head:] {
		if keep(v) {
			live = append(live, v)
		}
	}
	clear(q.items[len(live):])
	q.items, q.head = live, 0
}
