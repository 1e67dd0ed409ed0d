package vm

import (
	"context"
	"math"

	"github.com/moonbox-runtime/moonbox/abi"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// task is one goroutine running Lua for a process: its main function, or a
// coroutine started with coroutine.spawn. Blocking calls park only the task.
type task struct {
	proc    *process
	L       *lua.LState
	sched   *scheduler
	wake    chan struct{}
	queued  bool
	done    bool
	wait    *waiter // the wait the task is parked in, if any
	stop    *Error  // set when the task must unwind (kill, exit, upgrade)
	coDepth int     // coroutines resumed inside one another on this task
	budget  budget
}

func (p *process) newTask() *task {
	in := p.in
	L, _ := in.L.NewThread()
	L.Env = p.env
	t := &task{proc: p, L: L, sched: in.sched, wake: make(chan struct{}), stop: p.killed}
	t.budget = budget{t: t, left: in.tickEvery}
	if t.stop != nil {
		t.budget.left = 0
	}
	L.SetContext(&t.budget)
	L.SetCountdown(&t.budget.left)
	p.tasks = append(p.tasks, t)
	return t
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
// an instruction; work done in Go is charged to left too (charge.go). Every
// tickEvery units the host is asked whether the process may go on and the
// task lets its neighbours run. A killed process's Done is closed for good,
// so every further instruction raises and the task unwinds even through
// pcall.
type budget struct {
	t      *task
	left   int64 // instructions until the next tick
	ticked int64 // instructions run before the current tick period
	mark   int64 // count() when the task last got the baton
}

// count is the number of instructions the task has run.
func (b *budget) count() int64 { return b.ticked + b.t.proc.in.tickEvery - b.left }

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
	// A tick period has run out; work charged past it (one big builtin)
	// counts as further whole periods, and the rest is carried into the
	// next, so count() and the host's CPU total see all of it.
	over := -b.left
	ticks := 1 + over/in.tickEvery
	b.ticked += ticks * in.tickEvery
	b.left = in.tickEvery - over%in.tickEvery
	s := b.t.sched
	switch st := in.host.Tick(p.handle, uint32(min(ticks, math.MaxUint32))); st {
	case abi.OK:
	case abi.Yield:
		s.endTurn = true // the host has others waiting for the shard
	default:
		p.kill(stopError(st))
		return closedDone
	}
	if victim := in.memory.tick(in, p, ticks); victim != nil {
		victim.kill(errMemory)
		if victim == p {
			return closedDone
		}
	}
	if len(s.runq) > 0 || s.endTurn || s.used+b.count()-b.mark >= in.turnBudget {
		b.t.yield()
		if b.t.stop != nil {
			b.left = 0
			return closedDone
		}
	}
	return nil
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
