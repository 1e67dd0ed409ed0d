package vm

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// task runs Lua for a process: its main function, or a coroutine started
// with coroutine.spawn. Blocking calls park only the task. A task is a thread
// the scheduler's runner resumes (activate) until it suspends at a blocking
// call or ends; it holds a goroutine only while it waits with Go frames on
// its stack (own, scheduler.go).
type task struct {
	sinceWait int64 // units run since the task last waited (cpu_run)
	proc      *process
	L         *lua.LState
	sched     *scheduler
	wake      chan struct{} // wakes the task on its own goroutine; made on first use
	own       bool          // the task's activation is on a goroutine of its own
	stage     stage
	queued    bool
	done      bool
	runOn     bool    // the memory guard measures the run (below)
	coDepth   int16   // coroutines resumed inside one another on this task (at most maxCoroutineDepth)
	wait      *waiter // the wait the task is parked in, if any
	suspended *waiter // the wait whose call the task is suspended in (await)
	stop      *Error  // set when the task must unwind (kill, exit, upgrade)
	// running is the thread gopher-lua holds current (coroutine.running,
	// what coroutine.resume refuses to resume) while the task runs: its own,
	// or a coroutine of its own it is inside. It is one variable of the
	// shared state, so each task keeps its own and the scheduler swaps it
	// in: a process must never see another's thread, which it could resume.
	running *lua.LState
	args    []lua.LValue // main's arguments, while the chunk runs
	budget  budget
	// The run since the task last waited, as the memory guard measures it
	// (memory_run, memoryGuard.grown): whether it is measured (since the
	// guard's first look), the bytes the task allocated in its activations,
	// the allocation count when the current stretch began; the live heap
	// after the collection that took the run's base (0: none yet), the
	// task's allocations then, and the heap in use at which the guard
	// collects again.
	runAlloc, runFrom     uint64
	runBase, runBaseAlloc uint64
	runNext               uint64
}

// stage is what a task's Lua is running, and so what its end means.
type stage uint8

const (
	stageChunk   stage = iota // the process's source chunk; main runs next
	stageMain                 // main(args...): its end is the process's exit
	stageSpawned              // a coroutine.spawn function
)

func (p *process) newTask() *task {
	in := p.in
	L, _ := in.L.NewThread()
	L.Env = p.env
	t := &task{proc: p, L: L, sched: in.sched, stop: p.killed, running: L}
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

// load sets the task to run fn(args...) as its stage s when it next runs.
func (t *task) load(s stage, fn *lua.LFunction, args []lua.LValue) {
	t.stage = s
	t.L.SetTop(0)
	t.L.Push(fn)
	for _, a := range args {
		t.L.Push(a)
	}
	t.L.StartTask(len(args))
}

// activate runs the task until it suspends in a blocking call or ends. It
// runs on the runner, or on the task's own goroutine (scheduler.go).
func (t *task) activate() {
	for {
		suspended, err := t.L.RunTask(t.resumeCall)
		if suspended {
			return
		}
		if !t.next(err) {
			t.done = true
			t.proc.taskDone(t)
			return
		}
	}
}

// next moves the task on when its Lua has returned (err nil: the results
// are on the stack) or failed: to main after the chunk, to the new code of
// an upgrade. It reports false when the task has ended.
func (t *task) next(err error) bool {
	p, L := t.proc, t.L
	if t.stage == stageSpawned {
		if err != nil && t.stop == nil {
			// A crash in any coroutine of a process crashes the process.
			p.kill(t.failure(err))
		}
		return false
	}
	var abnormal bool
	var value []byte
	switch {
	case err != nil:
		abnormal, value = true, appendError(nil, t.failure(err))
	case t.stage == stageChunk:
		ret := L.Get(1)
		L.SetTop(0)
		var main lua.LValue = ret
		if tb, ok := ret.(*lua.LTable); ok {
			main = tb.RawGetString("main")
		}
		if fn, ok := main.(*lua.LFunction); ok {
			args := t.args
			t.args = nil
			t.load(stageMain, fn, args)
			return true
		}
		abnormal, value = true, appendError(nil, abi.Errorf(abi.Invalid, "%s: the source must return a function or a table with a main function", p.id))
	default:
		abnormal, value = t.mainResult()
	}
	if u := p.rare.upgrade; u != nil && p.killed == nil {
		// process.upgrade unwound the task: main restarts with the new code.
		p.rare.upgrade = nil
		t.stop = nil
		t.budget.reset(p.in.tickEvery)
		p.id = u.id
		t.L.Env = p.env
		p.dropListeners()
		t.args = u.args
		t.load(stageChunk, u.fn, nil)
		return true
	}
	if p.killed != nil {
		abnormal, value = true, appendError(nil, p.killed)
	}
	p.exit(abnormal, value)
	return false
}

// mainResult is the exit of a main function that returned: its first
// result, or the error of a `return nil, err` or a kill.
func (t *task) mainResult() (abnormal bool, value []byte) {
	L := t.L
	fail := func(e *Error) (bool, []byte) { return true, appendError(nil, e) }
	if t.stop != nil {
		return fail(t.stop)
	}
	first, second := L.Get(1), L.Get(2) // LNil past the top
	L.SetTop(0)
	if first == lua.LNil && second != lua.LNil {
		return fail(toError(second))
	}
	v, err := encodeValue(first)
	if err != nil {
		return fail(abi.Errorf(abi.Invalid, "exit value: %s", err.Message))
	}
	if len(v) > abi.MaxPayload {
		return fail(abi.Errorf(abi.Invalid, "exit value of %d bytes is larger than the limit of %d bytes", len(v), abi.MaxPayload))
	}
	return false, v
}

// failure turns a Lua error into the process's exit error. A kill wins over
// whatever error the unwinding produced.
func (t *task) failure(err error) *Error {
	if s := t.stop; s != nil {
		return s
	}
	if ae, ok := err.(*lua.ApiError); ok {
		return toError(ae.Object)
	}
	return &Error{Status: abi.Unknown, Message: err.Error()}
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
	left    int64         // units until the end of the period
	period  int64         // units in the current period
	ticked  int64         // units run before the current period
	pending int64         // units run but not yet reported as a whole tick
	began   time.Duration // clock() when the current period began or the task last got the baton; 0: not read
	mark    int64         // count() when the task last got the baton
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
// (time spent parked is not the task's), or leaves it unread (now 0): a
// reading costs ~0.7 µs in wasm, and the scheduler reads it only when the
// memory guard or a preempted period needs it.
func (b *budget) resume(now time.Duration) {
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
	now := clock()
	next := b.period // a period whose start was not read keeps its length
	if b.began != 0 {
		next = nextPeriod(b.period, ran, now-b.began, in.tickEvery)
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
		in.memory.pause(b.t) // the scheduler's begin reads the count again (memory.resume)
		s.ready(b.t)
		// At the top level of the task's own loop, the task suspends as a
		// coroutine before its next instruction, keeping no goroutine, and
		// Preempt does not return; anywhere else it keeps its goroutine.
		b.t.L.Preempt()
		b.t.park() // the scheduler's resume restarts the clock
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
