package vm

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// task is one goroutine running Lua for a process: its main function, or a
// coroutine started with coroutine.spawn. Blocking calls park only the task.
type task struct {
	sinceWait int64 // units run since the task last waited (cpu_run)
	proc      *process
	L         *lua.LState
	sched     *scheduler
	wake      chan struct{}
	queued    bool
	done      bool
	wait      *waiter // the wait the task is parked in, if any
	stop      *Error  // set when the task must unwind (kill, exit, upgrade)
	coDepth   int     // coroutines resumed inside one another on this task
	budget    budget
	// The run since the task last waited, as the memory guard measures it
	// (memory_run, memoryGuard.grown): whether it is measured (since the
	// guard's first look), the bytes the task allocated in its activations,
	// the allocation count when the current stretch began; the live heap
	// after the collection that took the run's base (0: none yet), the
	// task's allocations then, and the heap in use at which the guard
	// collects again.
	runOn                 bool
	runAlloc, runFrom     uint64
	runBase, runBaseAlloc uint64
	runNext               uint64
}

func (p *process) newTask() *task {
	in := p.in
	L, _ := in.L.NewThread()
	L.Env = p.env
	t := &task{proc: p, L: L, sched: in.sched, wake: make(chan struct{}), stop: p.killed}
	t.budget = budget{t: t}
	t.budget.reset(in.tickEvery)
	if t.stop != nil {
		t.budget.left = 0
	}
	L.SetContext(&t.budget)
	L.SetCountdown(&t.budget.left)
	p.tasks = append(p.tasks, t)
	return t
}

// waited starts a new run of the task: it waits (a receive, or a select
// that may block), so cpu_run and memory_run count afresh.
func (t *task) waited() {
	t.sinceWait = 0
	t.runOn, t.runAlloc, t.runBase, t.runBaseAlloc = false, 0, 0, 0
}

// start launches the task's goroutine; it runs body when first scheduled.
func (t *task) start(body func(*task)) {
	go func() {
		<-t.wake
		body(t)
		t.done = true
		t.proc.taskDone(t)
		t.sched.baton <- struct{}{}
	}()
	t.sched.ready(t)
}

// interrupt makes the task unwind: at its next instruction, or at once if it
// is parked in a wait.
func (t *task) interrupt(reason *Error) {
	t.stop = reason
	t.budget.left = 0
	// Only a task parked in a wait needs waking: a running task sees stop at
	// its next instruction, a queued one when it runs. Queueing a running task
	// would wake it spuriously at its next park.
	if t.wait != nil {
		t.wait.fired = true
		t.wait = nil
		t.sched.ready(t)
	}
}

// budget is the task's context.Context. Our gopher-lua (third_party, see
// MOONBOX.md there) decrements left before every VM instruction and calls
// Done only when it runs out, so Lua execution is metered for one decrement
// an instruction; work done in Go is charged to left too (charge.go). At the
// end of every period the host is told the work done, in whole ticks of
// tickEvery units, and asked whether the process may go on, and the task
// lets its neighbours run. A killed process's Done is closed for good, so
// every further instruction raises and the task unwinds even through pcall.
//
// A period is tickEvery units unless they turn slow: work the count cannot
// see (the guest collector's assists, which grow with the live heap, so a
// table bomb's 2,000 instructions took 10 ms) shortens the next period in
// proportion, so the host hears from a busy task about every tickWall of
// wall time and a waiting neighbour is not held up for a whole slow tick.
type budget struct {
	t       *task
	left    int64     // units until the end of the period
	period  int64     // units in the current period
	ticked  int64     // units run before the current period
	pending int64     // units run but not yet reported as a whole tick
	began   time.Time // when the current period began or the task last got the baton; zero: not read
	mark    int64     // count() when the task last got the baton
	// preempted: the task last gave the baton up at a tick, in the middle of
	// a period, so its next activation reads the clock to go on timing that
	// period. A task woken from a wait starts untimed: most activations
	// (a message handled) end before any tick and need no clock at all.
	preempted bool
}

// tickWall is the wall time a period should take at most. A period of
// tickEvery Lua instructions takes about 200 µs in wasm.
const tickWall = 500 * time.Microsecond

// minPeriod bounds how short a slow period gets: a tick (a host call and a
// clock reading) costs about a microsecond in wasm.
const minPeriod = 50

func (b *budget) reset(units int64) {
	b.left, b.period = units, units
}

// count is the number of units the task has run.
func (b *budget) count() int64 { return b.ticked + b.period - b.left }

// resume starts the period's wall clock when the task gets the baton at now
// (time spent parked is not the task's), or leaves it unread (zero now): a
// reading costs ~0.7 µs in wasm, and the scheduler reads it only when the
// memory guard or a preempted period needs it.
func (b *budget) resume(now time.Time) {
	b.mark = b.count()
	b.began = now
	b.preempted = false
}

var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (b *budget) Done() <-chan struct{} {
	// The VM calls Done when left runs out; other callers (channel selects
	// in gopher-lua's own libraries) may call it any time. interrupt zeroes
	// left, so a stop is noticed at the next instruction.
	if b.left > 0 {
		return nil
	}
	if b.t.stop != nil {
		b.left = 0
		return closedDone
	}
	p := b.t.proc
	in := p.in
	// The period has run out. Work charged past it (one big builtin) is
	// counted in full: the host's CPU total sees all of it, in whole ticks,
	// the remainder carried to the next report.
	ran := b.period - b.left
	b.ticked += ran
	b.pending += ran
	ticks := b.pending / in.tickEvery
	b.pending %= in.tickEvery
	now := time.Now()
	next := b.period // a period whose start was not read keeps its length
	if !b.began.IsZero() {
		next = nextPeriod(b.period, ran, now.Sub(b.began), in.tickEvery)
	}
	b.began = now
	b.reset(next)
	// A runaway: a task that never waits, however long it runs, is ended
	// by cpu_run (a process serving messages waits between them, so the
	// limit does not add up over its life as cpu_total does).
	if b.t.sinceWait += ran; in.cpuRun > 0 && b.t.sinceWait > in.cpuRun {
		p.kill(&Error{Status: abi.Timeout, Message: fmt.Sprintf("ran %d instructions without waiting (cpu_run)", in.cpuRun)})
		return closedDone
	}
	s := b.t.sched
	switch st := in.host.Tick(p.handle, uint32(min(ticks, math.MaxUint32))); st {
	case abi.OK:
	case abi.Yield:
		s.endTurn = true // the host has others waiting for the shard
	default:
		p.kill(stopError(st))
		return closedDone
	}
	if victim, why := in.memory.tick(in, b.t, ticks); victim != nil {
		victim.kill(why)
		if victim == p {
			return closedDone
		}
	}
	if s.runq.len() > 0 || s.endTurn || s.used+b.count()-b.mark >= in.turnBudget {
		b.preempted = true
		in.memory.pause(b.t)
		b.t.yield() // the scheduler's resume restarts the clock
		in.memory.resume(b.t)
		if b.t.stop != nil {
			b.left = 0
			return closedDone
		}
	}
	return nil
}

// nextPeriod sizes the next period: units in proportion to how fast the last
// ran units went, when they took longer than tickWall; back up towards
// tickEvery, doubling, when they were quick.
func nextPeriod(period, ran int64, elapsed time.Duration, tickEvery int64) int64 {
	if elapsed > tickWall {
		return max(minPeriod, min(period, int64(float64(ran)*float64(tickWall)/float64(elapsed))))
	}
	return min(tickEvery, 2*period)
}

func (b *budget) Err() error {
	if s := b.t.stop; s != nil {
		return s
	}
	return nil
}

func (b *budget) Deadline() (time.Time, bool) { return time.Time{}, false }
func (b *budget) Value(any) any               { return nil }

var _ context.Context = (*budget)(nil)

// stopError is the exit error of a process the host stopped at a tick.
func stopError(st abi.Status) *Error {
	switch st {
	case abi.Timeout:
		return &Error{Status: st, Message: "CPU budget exhausted"}
	}
	return &Error{Status: st, Message: "terminated"}
}
