package vm

import (
	"runtime"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
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
	victim *process // ended for memory, not yet exited (process.exit clears it)
	cap    uint64   // the linear memory's cap, bytes; 0 if unknown
	// collected is the heap bytes room's collections went over, to be
	// charged to whoever made them (a collection takes ~10 ms a MiB in wasm).
	collected uint64
	ticks     uint64
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
	if inUse <= g.limit || g.victim != nil {
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

// reserveMin is the smallest allocation a builtin asks the guard about:
// reading the heap costs microseconds in wasm, and smaller ones are caught
// at the next tick.
const reserveMin = 32 << 10

// HeldMeter is a MemoryMeter that also knows what the runtime holds of the
// linear memory (the wasm guest's).
type HeldMeter interface {
	MemoryMeter
	// Held is the bytes the runtime holds: heap spans in use or free,
	// stacks, its own metadata; not what it has released.
	Held() uint64
}

// heapGrowth is the step the Go runtime grows its heap by (a palloc chunk,
// 512 pages of 8 KiB): an allocation that the free spans cannot take makes
// the linear memory grow by a multiple of it.
const heapGrowth = 4 << 20

// staticBytes is the guest's linear memory besides what its runtime holds
// (static data, the wasm stack), with a margin: 2.6 MiB in Go 1.26 (an
// initialised guest is 5 MiB of linear memory, its runtime holds 2.4).
const staticBytes = 3 << 20

// room reports whether n more bytes fit under the limit, collecting the
// garbage first if they seem not to. Under the soft limit is not enough:
// the heap's footprint in linear memory is larger than its objects (freed
// spans of other sizes, metadata), and a 16 MiB instance trapped growing a
// table with 10 MiB in use under a 12 MiB limit. With a cap known, n must
// also fit in the linear memory beside all the runtime holds (free spans
// may be too fragmented to take it: counting them, a 1 MiB string.rep still
// trapped a 16 MiB instance).
func (g *memoryGuard) room(n uint64) bool {
	if !g.on() || n < reserveMin {
		return true
	}
	fits := func() bool {
		if g.meter.InUse()+n > g.limit {
			return false
		}
		h, known := g.meter.(HeldMeter)
		if !known || g.cap == 0 {
			return true
		}
		return h.Held()+(n+heapGrowth-1)/heapGrowth*heapGrowth+staticBytes <= g.cap
	}
	if fits() {
		return true
	}
	runtime.GC()
	g.collected += g.meter.InUse()
	return fits()
}

// reserve is called by a builtin before it allocates n bytes: past the soft
// limit (or the linear memory) the calling process is ended with "memory
// limit exceeded", before the allocation. Builtins run between two ticks, and one call
// can allocate more than the room the linear memory leaves above the soft
// limit: the guard would hear of it only after a trap.
func (in *Instance) reserve(L *lua.LState, n int64) {
	fits := n <= 0 || in.memory.room(uint64(n))
	if c := in.memory.collected; c > 0 {
		// A loop of refused allocations would otherwise be a loop of free
		// collections: 100,000 took 25 s, seen by no budget.
		in.memory.collected = 0
		in.debit(int64(c / bytesPerCharge))
	}
	if !fits {
		in.refuse()
		L.RaiseError("%s", errMemory.Message)
	}
}

// Reserve reports whether n more bytes fit under the instance's soft limit
// (collecting the garbage first if they seem not to): a hook for growths
// that happen between two ticks, such as a table's (lua.TableReserve).
func (in *Instance) Reserve(n int) bool {
	fits := in.memory.room(uint64(n))
	if c := in.memory.collected; c > 0 {
		in.memory.collected = 0
		in.debit(int64(c / bytesPerCharge))
	}
	if !fits {
		in.refuse()
	}
	return fits
}

// refuse ends the running process for memory: an allocation it asked for
// would pass the limit. Like the guard's own verdict it cannot be caught
// (a pcall around the allocation would only retry it), and it ends the
// asker, which is the offender: no other process runs during a builtin.
func (in *Instance) refuse() {
	if t := in.current(); t != nil {
		t.proc.kill(errMemory)
	}
}

var errMemory = ErrMemoryLimit

// ErrMemoryLimit is the exit error of a process ended by its memory limit.
var ErrMemoryLimit = &Error{Status: abi.Unavailable, Message: "memory limit exceeded"}
