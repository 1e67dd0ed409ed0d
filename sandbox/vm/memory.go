package vm

import (
	"runtime"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// MemoryMeter reads the heap of the runtime the instance lives in. The wasm
// guest provides one (its heap is the instance's); native mode shares the
// host's heap and has none.
type MemoryMeter interface {
	// InUse is the bytes held by heap objects now.
	InUse() uint64
	// Allocated is the bytes allocated since the runtime started (monotonic).
	Allocated() uint64
}

// longRun is how long a task must have held the baton before its
// allocations are metered when it parks. Reading the meter costs
// microseconds in wasm: short runs (a message handled) are not worth it and
// cannot allocate much.
const longRun = 200 * time.Microsecond

// memoryGuard enforces the soft memory limit and decides whom to blame.
//
// The heap is read at every tick; bytes allocated since the previous reading
// are charged to the process whose task is running (and to a task that
// parks after a long run, which catches a burst of allocation followed by a
// block). Charges are forgotten whenever the heap falls below half the
// limit. When the heap is over the limit after a collection, the process
// charged the most is ended with "memory limit exceeded" — usually the
// bomb, not whoever happened to be running. While that victim unwinds, no
// second victim is chosen.
//
// The collection is forced, and over a heap near the limit it is long: 370-
// 520 ms for 48 MiB of small tables in wasm, one step nothing can preempt
// (the host relieves the shard meanwhile, see host/relief.go). Trusting the
// runtime's last collection instead (/gc/heap/live:bytes) was tried: it is
// stale after a process exits or drops a big table, so it blamed the next
// process to allocate for memory already garbage.
type memoryGuard struct {
	meter  MemoryMeter
	limit  uint64
	mark   uint64   // Allocated() at the last charge
	epoch  uint64   // charges of older epochs are forgotten
	victim *process // ended for memory, not yet exited
	ticks  uint64
}

func (g *memoryGuard) on() bool { return g.meter != nil && g.limit > 0 }

// charge bills p for what was allocated since the last charge.
func (g *memoryGuard) charge(p *process) {
	now := g.meter.Allocated()
	if p.allocEpoch != g.epoch {
		p.allocated, p.allocEpoch = 0, g.epoch
	}
	p.allocated += now - g.mark
	g.mark = now
}

// ran is called when a task of p parks after holding the baton for elapsed.
func (g *memoryGuard) ran(p *process, elapsed time.Duration) {
	if g.on() && elapsed >= longRun {
		g.charge(p)
	}
}

// tick runs at every tick of a task of p, which ran ticks periods. It
// returns the process to end for memory, or nil.
func (g *memoryGuard) tick(in *Instance, p *process, ticks int64) *process {
	if !g.on() {
		return nil
	}
	// Reading the heap costs microseconds in wasm: every 10,000 units of
	// work (a builtin that charged that much at once is checked at once).
	before := g.ticks
	if g.ticks += uint64(ticks); before/5 == g.ticks/5 {
		return nil
	}
	g.charge(p)
	inUse := g.meter.InUse()
	if inUse < g.limit/2 {
		g.epoch++
		return nil
	}
	if inUse <= g.limit || (g.victim != nil && !g.victim.exited) {
		return nil
	}
	runtime.GC()
	if g.meter.InUse() <= g.limit {
		return nil
	}
	victim := p
	for _, q := range in.procs {
		if q.killed == nil && q.allocEpoch == g.epoch && q.allocated > victim.allocated {
			victim = q
		}
	}
	g.victim = victim
	return victim
}

var errMemory = ErrMemoryLimit

// ErrMemoryLimit is the exit error of a process ended by its memory limit.
var ErrMemoryLimit = &Error{Status: abi.Unavailable, Message: "memory limit exceeded"}
