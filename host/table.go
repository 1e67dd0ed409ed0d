package host

import (
	"sync"
	"sync/atomic"
)

// processTable is the runtime's processes by PID. Every message's send looks
// its receiver up here, from every shard at once: a sync.Map reads without
// writing anything shared, where a read-locked map made every lookup an
// atomic add on one cache line that all cores fought over (BenchmarkRoute
// -cpu 1,2,4; docs/log/perf-round2-2026-12-03.md).
type processTable struct {
	m sync.Map // PID -> *process
	n atomic.Int64
}

func (pt *processTable) add(p *process) {
	if _, loaded := pt.m.Swap(p.pid, p); !loaded {
		pt.n.Add(1)
	}
}

func (pt *processTable) remove(pid string) {
	if _, loaded := pt.m.LoadAndDelete(pid); loaded {
		pt.n.Add(-1)
	}
}

func (pt *processTable) lookup(pid string) *process {
	p, _ := pt.m.Load(pid)
	q, _ := p.(*process)
	return q
}

func (pt *processTable) len() int { return int(pt.n.Load()) }

// each calls fn for every process in the table (those added or removed
// meanwhile may or may not be seen).
func (pt *processTable) each(fn func(*process)) {
	pt.m.Range(func(_, v any) bool {
		fn(v.(*process))
		return true
	})
}
