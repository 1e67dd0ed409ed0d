package lua

import (
	"testing"
	"time"
)

// preemptingContext is a task's context whose Done, every time the
// countdown runs out, gives it period more units and preempts the task
// (Preempt), counting the units used, the suspensions and the refusals.
type preemptingContext struct {
	L                 *LState
	left, period      int64
	used              int64
	preempts, refused int
}

func (c *preemptingContext) Done() <-chan struct{} {
	if c.left > 0 {
		return nil
	}
	c.used += c.period - c.left
	c.left = c.period
	c.preempts++ // undone if Preempt returns
	c.L.Preempt()
	c.preempts--
	c.refused++
	return nil
}

func (c *preemptingContext) Err() error                  { return nil }
func (c *preemptingContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *preemptingContext) Value(any) any               { return nil }

// A task preempted at every tick goes on with the instruction it was
// suspended before: it computes what it computes unpreempted, and every
// instruction is counted once. Inside pcall (a Go frame between) Preempt
// refuses, and the task runs on.
func TestPreemptResumesAtTheInstruction(t *testing.T) {
	const src = `
		local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end
		local s = 0
		for i = 1, 300 do s = s + i end
		local ok, v = pcall(function() local x = 0 for i = 1, 200 do x = x + i end return x end)
		local t = {}
		for i = 1, 50 do t[#t + 1] = i * 2 end
		return s + fib(15) + v + #t, ok`
	for _, minimize := range []bool{false, true} {
		want, _ := spent(t, minimize, src)
		for _, period := range []int64{1, 2, 7, 100} {
			L := NewState(Options{MinimizeStackMemory: minimize})
			fn, err := L.LoadString(src)
			if err != nil {
				t.Fatal(err)
			}
			ctx := &preemptingContext{L: L, left: period, period: period}
			L.SetContext(ctx)
			L.SetCountdown(&ctx.left)
			L.Push(fn)
			L.StartTask(0)
			runs := 0
			for {
				runs++
				suspended, err := L.RunTask(nil)
				if err != nil {
					t.Fatalf("period %d: %v", period, err)
				}
				if !suspended {
					break
				}
				if runs > 1e5 {
					t.Fatalf("period %d: still running after %d preemptions", period, runs)
				}
			}
			used := ctx.used + ctx.period - ctx.left
			if used != want {
				t.Errorf("period %d (minimize %v): %d instructions counted, %d unpreempted", period, minimize, used, want)
			}
			if runs != ctx.preempts+1 || ctx.preempts == 0 || ctx.refused == 0 {
				t.Errorf("period %d: %d runs, %d preemptions, %d refused inside pcall", period, runs, ctx.preempts, ctx.refused)
			}
			if got, ok := L.Get(1), L.Get(2); got != LNumber(45150+610+20100+50) || ok != LTrue {
				t.Errorf("period %d: returned %v, %v", period, got, ok)
			}
			L.Close()
		}
	}
}
