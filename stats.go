package moonbox

// Memory is the tenant's guest memory over its instances: heap is what the
// guests' heaps hold, linear the size of their linear memories (0 and 0 in
// native isolation). It waits for each instance's shard to be between turns:
// for monitoring (a scrape), not for hot paths.
func (t *Tenant) Memory() (heap, linear uint64) {
	for _, st := range t.t.Stats(false) {
		heap += st.Heap
		linear += st.Linear
	}
	return heap, linear
}
