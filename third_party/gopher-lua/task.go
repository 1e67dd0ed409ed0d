package lua

// moonbox patch: threads run as tasks that a Go function can suspend in the
// middle of its call, with no Go frame kept (MOONBOX.md, "Tasks").
//
// A coroutine yields by unwinding to its resumer, and gopher-lua's resumer is
// a Go function (coroutine.resume): a thread blocked anywhere needs a
// goroutine to keep its Go frames. A task is a thread started with StartTask
// and run by RunTask; a Go function that RunTask's own loop calls (Nested()
// is 0: no pcall, metamethod, comparator or other Go-to-Lua call between)
// may return ParkCall. RunTask then returns with the call still on the
// thread's call stack, and the next RunTask completes it with the results of
// its resume function, as if the Go function had returned them. A task can
// also be suspended between two instructions, by its context's Done at a
// tick (Preempt), and the next RunTask goes on with the instruction.

import "fmt"

// ParkCall is what a Go function returns to suspend its task in its call.
// It is valid only when the function runs on a thread in RunTask with
// Nested() == 0.
const ParkCall = -2

const (
	parkedCall     = 1 // a call suspended by ParkCall
	parkedTailCall = 2 // the same, made as a tail call
	parkedAtTick   = 3 // suspended before an instruction by Preempt
)

// Nested is the number of calls from Go into Lua (Call, PCall, and so
// every metamethod, pcall, comparator and iterator the VM calls through
// them) in progress on ls.
func (ls *LState) Nested() int { return ls.nested }

// Preempt suspends the task before the instruction it is about to run, if
// it may: it must be called only by the thread's context's Done, and it
// suspends the task only when the loop consults Done at a tick (the
// countdown ran out) as RunTask's own loop (Nested() == 0, not a
// coroutine's loop nor a nested one). Then it does not return: it unwinds
// the loop to RunTask, which returns suspended, and the next RunTask runs
// the instruction. (Unwinding, rather than a test in the loop after
// Done, leaves the loop's code as it was: in Go's wasm code its speed
// turns on the shape of that one function, and one way of writing the
// test cost fib 20%; a preemption comes once per tick.) The instruction was counted against
// the countdown as the loop fetched it, and will be again when it runs:
// the countdown is given that unit back. Anywhere else Preempt returns.
func (ls *LState) Preempt() {
	if !ls.atTick || ls.nested != 0 || ls.parked != 0 {
		return
	}
	ls.atTick = false
	ls.currentFrame.Pc--
	if c := ls.countdown; c != nil {
		*c++
	}
	panic(preempted{})
}

// preempted is Preempt's panic, which RunTask recovers.
type preempted struct{}

// StartTask makes the function below the nargs values on top of the stack
// the thread's task, as Call would call it, without running it: RunTask
// runs it.
func (ls *LState) StartTask(nargs int) {
	base := ls.reg.Top() - nargs - 1
	lv := ls.reg.Get(base)
	fn, meta := ls.metaCall(lv)
	ls.pushCallFrame(callFrame{
		Fn:         fn,
		Pc:         0,
		Base:       base,
		LocalBase:  base + 1,
		ReturnBase: base,
		NArgs:      nargs,
		NRet:       MultRet,
		Parent:     ls.currentFrame,
		TailCall:   0,
	}, lv, meta)
}

// RunTask runs the thread's task until it returns (its results are on the
// stack), raises an error (returned, and the stack emptied), or a Go
// function suspends it (suspended). A suspended task's call is completed
// first: resume runs in the place of the Go function (its results, or its
// error, are the call's; ParkCall leaves the task suspended).
func (ls *LState) RunTask(resume LGFunction) (suspended bool, err error) {
	oldpanic := ls.Panic
	ls.Panic = panicWithoutTraceback
	defer func() {
		ls.Panic = oldpanic
		if rcv := recover(); rcv != nil {
			if _, ok := rcv.(preempted); ok {
				ls.parked = parkedAtTick
				suspended = true
				return
			}
			if e, ok := rcv.(*ApiError); ok {
				err = e
			} else {
				err = newApiErrorS(ApiErrorPanic, fmt.Sprint(rcv))
			}
			ls.parked, ls.nested = 0, 0
			ls.stack.SetSp(0)
			ls.currentFrame = nil
			ls.reg.SetTop(0)
		}
	}()
	if how := ls.parked; how == parkedAtTick {
		ls.parked = 0
	} else if how != 0 {
		ls.parked = 0
		n := resume(ls)
		if n == ParkCall {
			ls.parked = how
			return true, nil
		}
		ls.finishCall(n, how == parkedTailCall)
	}
	ls.mainLoop(ls, nil)
	return ls.parked != 0, nil
}

// finishCall completes the suspended call of the Go function in the
// current frame with the n values on top of the stack as its results: what
// callGFunction does when the function returns.
func (ls *LState) finishCall(n int, tailcall bool) {
	frame := ls.currentFrame
	nret, rbase := frame.NRet, frame.ReturnBase
	if tailcall {
		ls.currentFrame = ls.RemoveCallerFrame()
	}
	if nret == MultRet {
		nret = n
	}
	ls.reg.CopyRange(rbase, ls.reg.Top()-n, -1, nret)
	ls.stack.Pop()
	ls.currentFrame = ls.stack.Last()
}
