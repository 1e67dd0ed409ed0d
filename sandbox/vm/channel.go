package vm

import (
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// channel is a Lua channel: Go-like, buffered or not, closable, usable in
// select. An unbounded channel (size < 0) never blocks a sender: inbox,
// events and listen channels are unbounded because the host already bounds
// the mailbox.
type channel struct {
	buf    []lua.LValue
	size   int
	closed bool
	raw    bool // a listen channel without message = true: receivers get payloads
	recvq  queue[*waitCase]
	sendq  queue[*waitCase]
	ud     *lua.LUserData // its Lua value, made on first use
	recv   *lua.LUserData // its ch:case_receive(), made on first use (a case is immutable)
	owner  *process       // set for mailbox channels (inbox, listen): receiving consumes a message
}

// out converts a buffered value into what a receiver gets.
func (c *channel) out(v lua.LValue) lua.LValue {
	if c.raw {
		return c.owner.in.rawPayload(v)
	}
	return v
}

// waiter is one parked task's wait on one or more channel cases. The first
// case to fire wins; the others are dropped lazily by the channels. (Its
// small fields sit together: a blocked receive's waiter is a 112-byte
// allocation, not 128.)
type waiter struct {
	t        *task
	fired    bool
	sending  bool  // a wait on one channel is a send (for Waits)
	ok       bool  // the value came from a send (false: the channel closed)
	cases    int32 // the cases of a select; 0 for a wait on one channel
	index    int   // which case fired
	value    lua.LValue
	one      waitCase     // the case of a wait on one channel: one allocation, not two
	finish   finishFunc   // pushes the waiting builtin's results (await)
	selected []selectCase // a select's cases
}

type waitCase struct {
	w     *waiter
	index int
	value lua.LValue // for a send case
}

func newChannel(size int) *channel { return &channel{size: size} }

func (c *channel) full() bool { return c.size >= 0 && len(c.buf) >= c.size }

// fire completes a wait and makes its task runnable.
func (w *waiter) fire(index int, v lua.LValue, ok bool) {
	w.fired, w.index, w.value, w.ok = true, index, v, ok
	w.t.wait = nil
	w.t.sched.ready(w.t)
}

// enqueue appends wc to q, first dropping cases whose wait already fired
// elsewhere when q is full, so a loop of selects cannot grow a quiet
// channel's queue.
func enqueue(q *queue[*waitCase], wc *waitCase) {
	if len(q.items) == cap(q.items) && q.len() > 0 {
		q.compact(func(c *waitCase) bool { return !c.w.fired })
	}
	q.push(wc)
}

func popLive(q *queue[*waitCase]) *waitCase {
	for {
		c, ok := q.pop()
		if !ok || !c.w.fired {
			return c
		}
	}
}

// trySend sends v without blocking. It reports false when the send would
// block. Sending on a closed channel is a Lua error raised by the caller.
func (c *channel) trySend(v lua.LValue) bool {
	if r := popLive(&c.recvq); r != nil {
		if c.owner != nil {
			c.owner.consumed()
		}
		r.w.fire(r.index, c.out(v), true)
		return true
	}
	if c.full() {
		return false
	}
	c.buf = append(c.buf, v)
	return true
}

// tryReceive receives without blocking: (value, ok, true), or ready=false
// when the receive would block.
func (c *channel) tryReceive() (v lua.LValue, ok bool, ready bool) {
	if len(c.buf) > 0 {
		if c.owner != nil {
			c.owner.consumed()
		}
		v = c.buf[0]
		c.buf[0] = nil
		c.buf = c.buf[1:]
		if s := popLive(&c.sendq); s != nil { // a blocked sender's value moves in
			c.buf = append(c.buf, s.value)
			s.w.fire(s.index, lua.LNil, true)
		}
		return c.out(v), true, true
	}
	if s := popLive(&c.sendq); s != nil {
		s.w.fire(s.index, lua.LNil, true)
		return s.value, true, true
	}
	if c.closed {
		return lua.LNil, false, true
	}
	return nil, false, false
}

func (c *channel) close() {
	c.closed = true
	for r := popLive(&c.recvq); r != nil; r = popLive(&c.recvq) {
		r.w.fire(r.index, lua.LNil, false)
	}
	for s := popLive(&c.sendq); s != nil; s = popLive(&c.sendq) {
		s.w.fire(s.index, lua.LNil, false) // the sender raises: closed channel
	}
}

// await waits for w and returns the calling builtin's results: finish
// pushes them once w has fired. Called by the outermost loop of the task's
// own thread (no Go frame of a pcall, metamethod, comparator or coroutine on
// the stack), the task suspends as a coroutine: the builtin returns
// lua.ParkCall and finish runs when the task is resumed (resumeCall).
// Anywhere else it parks keeping its goroutine, and finish runs here.
func (t *task) await(L *lua.LState, w *waiter, finish finishFunc) int {
	t.wait = w
	t.waited()
	w.finish = finish
	if L == t.L && L.Nested() == 0 {
		t.suspended = w
		return lua.ParkCall
	}
	for !w.fired {
		t.park()
	}
	return t.finishWait(L, w)
}

// finishFunc pushes a builtin's results once its wait w has fired, and
// returns how many.
type finishFunc func(t *task, L *lua.LState, w *waiter) int

// resumeCall completes the call the task is suspended in (lua.RunTask).
func (t *task) resumeCall(L *lua.LState) int {
	w := t.suspended
	if !w.fired {
		return lua.ParkCall
	}
	t.suspended = nil
	return t.finishWait(L, w)
}

// finishWait completes a wait that has fired: a stopped task unwinds.
func (t *task) finishWait(L *lua.LState, w *waiter) int {
	if t.stop != nil {
		w.fired = true
		L.RaiseError("%s", t.stop.Message)
	}
	return w.finish(t, L, w)
}

// receive is ch:receive() for the calling task: value and ok.
func (c *channel) receive(L *lua.LState, t *task) int {
	t.waited() // a server busy with a backlog waits too, without blocking
	if v, ok, ready := c.tryReceive(); ready {
		return pushReceived(L, v, ok)
	}
	return c.awaitReceive(L, t, finishReceive)
}

// awaitReceive waits for a value on c, which has none ready.
func (c *channel) awaitReceive(L *lua.LState, t *task, finish finishFunc) int {
	w := &waiter{t: t}
	w.one.w = w
	enqueue(&c.recvq, &w.one)
	return t.await(L, w, finish)
}

func pushReceived(L *lua.LState, v lua.LValue, ok bool) int {
	L.Push(v)
	L.Push(lua.LBool(ok))
	return 2
}

func finishReceive(_ *task, L *lua.LState, w *waiter) int { return pushReceived(L, w.value, w.ok) }

// send is ch:send(v) for the calling task: true.
func (c *channel) send(L *lua.LState, t *task, v lua.LValue) int {
	if c.closed {
		L.RaiseError("send on a closed channel")
	}
	if c.trySend(v) {
		return ok(L)
	}
	w := &waiter{t: t, sending: true}
	w.one = waitCase{w: w, value: v}
	enqueue(&c.sendq, &w.one)
	return t.await(L, w, finishSend)
}

func finishSend(_ *task, L *lua.LState, w *waiter) int {
	if !w.ok {
		L.RaiseError("send on a closed channel")
	}
	return ok(L)
}

// push delivers v from outside any task (a record from the host) into an
// unbounded channel.
func (c *channel) push(v lua.LValue) {
	if c.closed {
		return
	}
	c.trySend(v)
}

// selectCase is one case of channel.select.
type selectCase struct {
	ch    *channel
	send  bool
	value lua.LValue
}

// selectCases is channel.select for the calling task: the first ready case,
// in order, as a result table. With dflt set it takes the default instead
// of blocking.
func (t *task) selectCases(L *lua.LState, cases []selectCase, dflt bool) int {
	if !dflt {
		t.waited() // a select that may block is a wait; a poll is not
	}
	for i, c := range cases {
		if c.send {
			if c.ch.closed {
				L.RaiseError("send on a closed channel")
			}
			if c.ch.trySend(c.value) {
				return pushSelected(t.proc.in, L, cases, i, lua.LNil, true)
			}
			continue
		}
		if v, ok, ready := c.ch.tryReceive(); ready {
			return pushSelected(t.proc.in, L, cases, i, v, ok)
		}
	}
	if dflt {
		return pushSelected(t.proc.in, L, cases, -1, lua.LNil, false)
	}
	w := &waiter{t: t, cases: int32(len(cases)), selected: cases}
	for i, c := range cases {
		wc := &waitCase{w: w, index: i, value: c.value}
		if c.send {
			enqueue(&c.ch.sendq, wc)
		} else {
			enqueue(&c.ch.recvq, wc)
		}
	}
	return t.await(L, w, finishSelect)
}

func finishSelect(t *task, L *lua.LState, w *waiter) int {
	if w.selected[w.index].send && !w.ok {
		L.RaiseError("send on a closed channel")
	}
	return pushSelected(t.proc.in, L, w.selected, w.index, w.value, w.ok)
}

// pushSelected pushes select's result table for case i (-1: the default).
func pushSelected(in *Instance, L *lua.LState, cases []selectCase, i int, v lua.LValue, got bool) int {
	r := L.CreateTable(0, 3)
	if i < 0 {
		// ok = true beside default = true, as Wippy has it: the select
		// succeeded, by taking its default.
		r.RawSetString("default", lua.LTrue)
		r.RawSetString("ok", lua.LTrue)
	} else {
		r.RawSetString("channel", in.channelValue(cases[i].ch))
		r.RawSetString("value", v)
		r.RawSetString("ok", lua.LBool(got))
	}
	L.Push(r)
	return 1
}
