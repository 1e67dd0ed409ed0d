package vm

import (
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// scheduler runs an instance's tasks one at a time. Only one goroutine runs
// Lua at any moment, so the shared Lua state needs no locks, and the
// hand-offs through channels order every memory access between them.
//
// A turn runs on the runner, a goroutine of the scheduler's own: Step hands
// it the turn and waits until it ends, because a task may need to keep the
// goroutine it runs on (below), and the caller's goroutine must return (in
// the wasm guest, the step export must return on the goroutine that entered
// it). The runner resumes each picked task on its own stack (task.activate)
// until the task suspends as a coroutine at a blocking call or at a tick
// that preempts it (budget.Done), or ends: a parked or preempted process
// holds no goroutine, and an activation costs no switch.
//
// A task that blocks or is preempted with Go frames on its stack (inside
// pcall, a metamethod, a sort comparator, a user coroutine) cannot suspend
// that way: the runner's goroutine becomes the task's
// own (task.own), parks there, and a new runner goes on with the turn
// (park). The task is woken on its goroutine from then on, holding the baton
// until it parks again; when it next suspends at the outermost level or
// ends, its goroutine hands the baton back and waits as the spare (serve).
type scheduler struct {
	runq    runQueue      // which task goes next (shares.go)
	baton   chan struct{} // a task on its own goroutine hands the turn back
	turn    chan struct{} // Step hands the idle runner a turn
	turned  chan struct{} // the runner ends the turn
	spare   chan int      // hands the spare goroutine the runner's role, with its generation
	spares  int           // goroutines waiting on spare: at most one
	more    bool          // tasks are still queued at the end of the turn
	runner  int           // generation of the current runner goroutine
	current *task
	used    int64 // instructions spent this turn, plus activationCost per activation
	asked   int64 // used when the host was last asked whether to end the turn
	budget  int64 // the turn's budget
	endTurn bool  // the host has other instances waiting: end the turn
	memory  *memoryGuard
	host    Host
	tick    int64

	// The activation in progress: one clock reading per activation at most
	// (the reading that ends one activation, for the memory guard, starts
	// the next; with the guard off the clock is read only for a task
	// preempted in mid-period). Readings are kept as durations since
	// clockBase, 0 for none: a time.Time holds a pointer, and copying one
	// into the scheduler costs a write barrier while the collector runs.
	now, began time.Duration
	timed      bool
}

var clockBase = time.Now()

// clock reads the monotonic clock, never as 0.
func clock() time.Duration { return max(time.Since(clockBase), 1) }

// activationCost is what one activation of a task counts against the turn
// budget on top of its instructions: resuming a task and handling a record
// cost about as much as a hundred Lua instructions, and a turn of many
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

// run runs queued tasks until none is runnable or budget instructions are
// spent. It reports whether tasks are still queued.
func (s *scheduler) run(budget int64) bool {
	if s.runq.len() == 0 {
		return false
	}
	if s.turn == nil {
		s.turn, s.turned, s.spare = make(chan struct{}), make(chan struct{}), make(chan int)
		go s.serve(s.runner, false, s.turn)
	}
	s.budget, s.used, s.asked, s.endTurn = budget, 0, 0, false
	s.now = 0
	s.turn <- struct{}{}
	<-s.turned
	return s.more
}

// close ends the idle runner and the spare. Every task must have ended.
func (s *scheduler) close() {
	if s.turn != nil {
		close(s.turn)
		close(s.spare)
		s.turn = nil
	}
}

// serve is the runner goroutine of generation gen: it runs the turns it is
// handed on turns until its goroutine becomes a task's. midTurn: its
// predecessor became a task's in the middle of a turn, whose activation
// ends with that. (turns is passed, not read from s: close may clear it
// while the runner that just ended a turn is on its way back to wait.)
//
// A goroutine whose task needs it no more (loop) hands the baton back and
// waits as the spare, which the next task that must keep its goroutine
// makes the runner (park) instead of starting one; if there is a spare
// already, it exits.
func (s *scheduler) serve(gen int, midTurn bool, turns chan struct{}) {
	for !s.runTurns(gen, midTurn, turns) {
		if s.spares > 0 {
			s.baton <- struct{}{}
			return
		}
		s.spares++
		s.baton <- struct{}{}
		next, ok := <-s.spare
		if !ok {
			return
		}
		gen, midTurn, turns = next, true, s.turn
	}
}

// runTurns runs turns as the runner of generation gen until turns is
// closed (true), or its goroutine has been a task's and is free again.
func (s *scheduler) runTurns(gen int, midTurn bool, turns chan struct{}) bool {
	if midTurn {
		s.ended()
		if !s.loop(gen) {
			return false
		}
		s.endTurnOn()
	}
	for range turns {
		if !s.loop(gen) {
			return false
		}
		s.endTurnOn()
	}
	return true
}

// endTurnOn hands the ended turn back to Step.
func (s *scheduler) endTurnOn() {
	s.more = s.runq.len() > 0
	s.turned <- struct{}{}
}

// loop runs the turn on. It returns false when its goroutine has become a
// task's, and that task has now suspended or ended: the goroutine is free,
// and the new runner waits for the baton.
func (s *scheduler) loop(gen int) bool {
	for s.runq.len() > 0 {
		if s.used >= s.budget || s.endTurn {
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
		s.begin(t)
		if t.own {
			t.wake <- struct{}{}
			<-s.baton
		} else {
			t.activate()
			if s.runner != gen {
				// t parked inside Go on this goroutine, and a new runner
				// took the turn on; t has now suspended at the outermost
				// level (or ended), and needs the goroutine no more.
				t.own = false
				return false
			}
		}
		s.ended()
	}
	return true
}

// begin starts t's activation.
func (s *scheduler) begin(t *task) {
	s.current = t
	t.L.G.CurrentThread = t.running
	s.timed = s.memory.on()
	if (s.timed || t.budget.preempted) && s.now == 0 {
		s.now = clock()
	}
	s.began = s.now
	if t.budget.preempted {
		// Whether it resumes as a coroutine or on its goroutine, the
		// memory_run count goes on from here (paused in budget.Done).
		s.memory.resume(t)
	}
	t.budget.resume(s.now)
}

// ended accounts for the activation that just ended.
func (s *scheduler) ended() {
	t := s.current
	if s.timed {
		s.now = clock()
		s.memory.ran(t, s.now-s.began)
	} else {
		s.now = 0
	}
	work := t.budget.count() - t.budget.mark + activationCost
	s.used += work
	s.runq.charge(t, work)
	t.running = t.L.G.CurrentThread
	s.current = nil
}

// park waits, keeping the calling goroutine, until t is scheduled again.
// It runs in t's activation: on the runner, whose goroutine becomes t's
// while a new runner goes on with the turn, or on t's own goroutine, which
// hands the baton back.
func (t *task) park() {
	s := t.sched
	if t.own {
		s.baton <- struct{}{}
	} else {
		t.own = true
		if t.wake == nil {
			t.wake = make(chan struct{})
		}
		s.runner++
		if s.spares > 0 {
			s.spares--
			s.spare <- s.runner
		} else {
			go s.serve(s.runner, true, s.turn)
		}
	}
	<-t.wake
}

// yield lets the other runnable tasks (and, at the end of the turn, the host)
// go first; the task stays runnable.
func (t *task) yield() {
	t.sched.ready(t)
	t.park()
}
