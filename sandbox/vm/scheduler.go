package vm

import (
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// scheduler runs an instance's tasks one at a time. A task is a goroutine
// running Lua; it holds the baton from the moment the scheduler wakes it until
// it parks (blocks, yields its slice, or finishes). Because exactly one
// goroutine holds the baton, the shared Lua state needs no locks, and the
// handoff through channels orders every memory access between tasks.
//
// In the wasm guest the scheduler loop runs inside the step export; when it
// returns, every task is parked on its wake channel, which is what the Go
// wasm runtime needs (an export must not return into a deadlock).
type scheduler struct {
	runq    runQueue      // which task goes next (shares.go)
	baton   chan struct{} // a task hands the baton back
	current *task
	used    int64 // instructions spent this turn, plus activationCost per activation
	asked   int64 // used when the host was last asked whether to end the turn
	endTurn bool  // the host has other instances waiting: end the turn
	memory  *memoryGuard
	host    Host
	tick    int64
}

// activationCost is what one activation of a task counts against the turn
// budget on top of its instructions: a goroutine hand-off and a record
// costs about as much as a hundred Lua instructions, and a turn of many
// short activations (a message storm) must end too.
const activationCost = 100

func newScheduler(memory *memoryGuard, host Host, tick int64) *scheduler {
	return &scheduler{baton: make(chan struct{}), memory: memory, host: host, tick: tick}
}

// ready queues t to run. A task is queued at most once.
func (s *scheduler) ready(t *task) {
	if t.queued || t.done {
		return
	}
	t.queued = true
	s.runq.push(t)
}

// run gives the baton to queued tasks until none is runnable or budget
// instructions are spent. It reports whether tasks are still queued.
func (s *scheduler) run(budget int64) bool {
	s.used, s.asked, s.endTurn = 0, 0, false
	// One clock reading per activation at most: the reading that ends one
	// activation (for the memory guard) starts the next; with the guard off
	// the clock is read only for a task preempted in mid-period.
	var now time.Time
	for s.runq.len() > 0 {
		if s.used >= budget || s.endTurn {
			return true
		}
		// Short activations never reach a tick: every tick's worth of them,
		// ask the host whether others wait for the shard (handle 0: no process).
		if s.used-s.asked >= s.tick {
			s.asked = s.used
			if s.host.Tick(0, 0) == abi.Yield {
				return true
			}
		}
		t, _ := s.runq.pop()
		t.queued = false
		if t.done {
			continue
		}
		s.current = t
		timed := s.memory.on()
		if (timed || t.budget.preempted) && now.IsZero() {
			now = time.Now()
		}
		began := now
		t.budget.resume(now)
		t.wake <- struct{}{}
		<-s.baton
		if timed {
			now = time.Now()
			s.memory.ran(t.proc, now.Sub(began))
		} else {
			now = time.Time{}
		}
		work := t.budget.count() - t.budget.mark + activationCost
		s.used += work
		s.runq.charge(t, work)
		s.current = nil
	}
	return false
}

// park hands the baton back and waits to be scheduled again. It runs on the
// task's goroutine.
func (t *task) park() {
	t.sched.baton <- struct{}{}
	<-t.wake
}

// yield lets the other runnable tasks (and, at the end of the turn, the host)
// go first; the task stays runnable.
func (t *task) yield() {
	t.sched.ready(t)
	t.park()
}
