package vm

import (
	"fmt"
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
	// run is the most a task may grow the heap by without waiting
	// (memory_run, see grown); 0: no bound.
	run uint64
}

func (g *memoryGuard) on() bool { return g.meter != nil && g.limit > 0 }

// charge bills t's process for what was allocated since the last charge.
func (g *memoryGuard) charge(t *task) {
	now := g.meter.Allocated()
	p := t.proc
	if p.allocEpoch != g.epoch {
		p.allocated, p.allocEpoch = 0, g.epoch
	}
	p.allocated += now - g.mark
	g.mark = now
}

// ran is called when task t parks after holding the baton for elapsed.
func (g *memoryGuard) ran(t *task, elapsed time.Duration) {
	if g.on() && elapsed >= longRun {
		g.charge(t)
	}
}

// tick runs at every tick of task t, which ran ticks periods. It returns
// the process to end for memory and why, or nil.
func (g *memoryGuard) tick(in *Instance, t *task, ticks int64) (*process, *Error) {
	if !g.on() {
		return nil, nil
	}
	// Reading the heap costs microseconds in wasm: every 10,000 units of
	// work (a builtin that charged that much at once is checked at once).
	before := g.ticks
	if g.ticks += uint64(ticks); before/5 == g.ticks/5 {
		return nil, nil
	}
	g.charge(t)
	if g.grown(t) {
		g.victim = t.proc
		return t.proc, g.runError()
	}
	inUse := g.meter.InUse()
	if inUse < g.limit/2 {
		g.epoch++
		return nil, nil
	}
	if inUse <= g.limit || g.victim != nil {
		return nil, nil
	}
	runtime.GC()
	if g.meter.InUse() <= g.limit {
		return nil, nil
	}
	p := t.proc
	victim := p
	for _, q := range in.procs {
		if q.killed == nil && q.allocEpoch == g.epoch && q.allocated > victim.allocated {
			victim = q
		}
	}
	g.victim = victim
	return victim, errMemory
}

// grown reports whether task t, running without waiting, has grown the
// heap by about g.run: a memory bomb. The soft limit alone ended one only
// when the instance was full, and a process builds ~50 MB/s of small
// tables in the sandbox: a 512 MiB instance's bomb (the default with 2
// shards) ran for 17-24 s, its collections ever longer, before it was
// ended. A process that holds memory steadily waits between messages, and
// each wait starts a new run (task.waited).
//
// The processes of an instance share one heap, so the guard measures two
// things. What t allocated in its own activations (from its first look in
// the run; pause and resume read the runtime's allocation count around a
// preemption): until that is half of g.run, t is left alone, and nothing
// it did not allocate counts. Then a collection takes the live heap as the
// run's base (the garbage of a bomb ended before it, say, is not its
// growth). Past the base, once t has allocated the other half, a
// collection confirms the growth: the live heap half of g.run over the
// base, with t having allocated at least that much since (a parent whose
// children fill the heap as they start is not ended for them), ends t's
// process. Otherwise the next look waits
// until the heap has grown again by as much as the runtime's own collector
// would let it (GOGC 100: the live heap), so a process that churns without
// waiting pays one forced collection a run, then about as many as it
// would anyway.
func (g *memoryGuard) grown(t *task) bool {
	if g.run == 0 {
		return false
	}
	now := g.mark // charge read it just now
	if t.runOn {
		t.runAlloc += now - t.runFrom
	}
	t.runOn, t.runFrom = true, now
	half := g.run / 2
	if g.victim != nil || t.runAlloc-t.runBaseAlloc < half {
		return false
	}
	if t.runBase == 0 {
		runtime.GC()
		t.runBase, t.runBaseAlloc = g.meter.InUse(), t.runAlloc
		t.runNext = t.runBase + half
		return false
	}
	if g.meter.InUse() < t.runNext {
		return false
	}
	runtime.GC()
	live := g.meter.InUse()
	if live >= t.runBase+half && t.runAlloc-t.runBaseAlloc >= live-t.runBase {
		return true
	}
	t.runNext = live + max(live, half)
	return false
}

// pause adds what t allocated since the guard last looked to t's run, when
// t gives the baton up at a tick in the middle of a run; resume reads the
// count again when t gets it back. Two readings per preemption
// (microseconds in wasm), and only for a run the guard has looked at: a
// task that handles a message and waits is never measured.
func (g *memoryGuard) pause(t *task) {
	if t.runOn && g.run > 0 && g.on() {
		t.runAlloc += g.meter.Allocated() - t.runFrom
	}
}

func (g *memoryGuard) resume(t *task) {
	if t.runOn && g.run > 0 && g.on() {
		t.runFrom = g.meter.Allocated()
	}
}

// runError is the exit error of a process ended by grown.
func (g *memoryGuard) runError() *Error {
	return &Error{Status: abi.Unavailable, Message: fmt.Sprintf("%s: the heap grew by about %d MiB without waiting (memory_run)", errMemory.Message, g.run>>20)}
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
