package vm

import (
	"unsafe"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// process is one actor inside the instance.
type process struct {
	in         *Instance
	handle     uint32
	pid, id    string
	pidValue   lua.LValue // pid as a Lua string, made on first use (pidLValue)
	env        *lua.LTable
	tasks      []*task
	killed     *Error // set once: the process is being torn down
	exited     bool
	trapLinks  bool
	taken      uint32 // messages taken from the mailbox this step
	allocated  uint64 // bytes charged to it by the memory guard (memory.go)
	allocEpoch uint64

	inbox, events *channel
	pending       []*message // messages no subscription has taken yet
	slot          *slot      // its place in the spawn tree, where its tasks queue (shares.go)
	// rare holds what many processes never use; reads go through it as it
	// is, writes through more(), which gives the process its own.
	rare *processRare
}

// processRare is the part of a process that an idle one does not use (the
// state of process.listen, events, process.call, timers, require, upgrade
// and ctx): kept apart, a process is 184 bytes, not 280 (a 192-byte
// allocation, not 288), and one that uses any of them pays ~100 more.
type processRare struct {
	context       []byte                // CBOR map of ctx values, from the spawner
	listeners     map[string]*listener  // process.listen subscriptions, by topic
	pendingEvents []lua.LValue          // events before process.events() was called
	calls         map[string]*waiter    // process.call waits, by child PID
	timers        map[uint32]*channel   // pending time.after/sleep timers
	nextTimer     uint32                // the last timer's id
	modules       map[string]lua.LValue // require cache
	upgrade       *upgrade              // pending process.upgrade
}

// noRare is every process's rare part until it writes one: all empty, never
// written (reading a nil map or slice through it is what a process without
// those things sees).
var noRare = &processRare{}

// more is the process's own rare part, made on its first write.
func (p *process) more() *processRare {
	if p.rare == noRare {
		p.rare = &processRare{}
	}
	return p.rare
}

// listener is a process.listen subscription.
type listener struct {
	ch       *channel
	messages bool // deliver Message objects, not raw payloads
}

// message is a Message object: msg:topic(), msg:from(), msg:payload().
type message struct {
	ud          lua.LUserData // its Lua value, made with it: one allocation, not two (messageValue)
	topic, from string
	payload     []byte        // CBOR array, decoded on demand
	values      [2]lua.LValue // topic and from as Lua strings, made on first use
}

// topicValue and fromValue are msg:topic() and msg:from(): a string made into
// a Lua value allocates, and a handler may ask for it once per reply.
func (m *message) topicValue() lua.LValue {
	if m.values[0] == nil {
		m.values[0] = lua.LString(m.topic)
	}
	return m.values[0]
}

func (m *message) fromValue() lua.LValue {
	if m.values[1] == nil {
		m.values[1] = lua.LNil
		if m.from != "" {
			m.values[1] = lua.LString(m.from)
		}
	}
	return m.values[1]
}

const messageTypeName = "moonbox.message"

// newMessage copies a message out of a batch (whose buffer is reused) into
// one allocation for its three parts, besides the message itself.
func newMessage(from, topic, payload []byte) *message {
	buf := make([]byte, 0, len(from)+len(topic)+len(payload))
	buf = append(append(append(buf, from...), topic...), payload...)
	m := &message{payload: buf[len(from)+len(topic) : len(buf) : len(buf)]}
	if len(from) > 0 {
		m.from = unsafe.String(&buf[0], len(from))
	}
	if len(topic) > 0 {
		m.topic = unsafe.String(&buf[len(from)], len(topic))
	}
	return m
}

// pidLValue is process.pid() and msg:from() of the messages p sends within
// the instance: boxing a string allocates, once per process this way.
func (p *process) pidLValue() lua.LValue {
	if p.pidValue == nil {
		p.pidValue = lua.LString(p.pid)
	}
	return p.pidValue
}

// deliverLocal delivers a message the host routed back to this instance
// (Host.Send's local handle): what applying its record would do, without the
// record. payload is the sender's freshly encoded buffer, not shared;
// topicValue is the sender's topic argument, so msg:topic() and msg:from()
// box nothing.
func (in *Instance) deliverLocal(from *process, to uint32, topic string, topicValue lua.LValue, payload []byte) {
	if p := in.procs[to]; p != nil {
		p.deliver(&message{topic: topic, from: from.pid, payload: payload, values: [2]lua.LValue{topicValue, from.pidLValue()}})
	}
}

// deliver routes a message to its listener, the inbox, or the pending queue.
func (p *process) deliver(m *message) {
	if l := p.rare.listeners[m.topic]; l != nil {
		l.ch.push(p.messageValue(m))
		return
	}
	if p.inbox != nil {
		p.inbox.push(p.messageValue(m))
		return
	}
	p.pending = append(p.pending, m)
}

func (p *process) messageValue(m *message) lua.LValue {
	ud := &m.ud
	ud.Value = m
	ud.Env = p.in.L.Env // what L.NewUserData sets
	ud.Metatable = p.in.messageMT
	return ud
}

// rawPayload is what a listener without message = true receives for a
// Message: its payload value (a table of them when there are several).
func (in *Instance) rawPayload(v lua.LValue) lua.LValue {
	ud, isUD := v.(*lua.LUserData)
	if !isUD {
		return v
	}
	m, isMsg := ud.Value.(*message)
	if !isMsg {
		return v
	}
	vs, err := decodeValues(in.L, m.payload)
	if err != nil || len(vs) == 0 {
		return lua.LNil
	}
	if len(vs) == 1 {
		return vs[0]
	}
	t := in.L.CreateTable(len(vs), 0)
	for i, v := range vs {
		t.RawSetInt(i+1, v)
	}
	return t
}

// consumed counts a message taken from the mailbox, reported to the host at
// the end of the step, and charges its delivery to the running task.
func (p *process) consumed() {
	p.in.debit(messageCost)
	if p.taken == 0 {
		p.in.consumers = append(p.in.consumers, p)
	}
	p.taken++
}

// subscribeInbox creates the inbox and moves waiting messages into it.
func (p *process) subscribeInbox() *channel {
	if p.inbox == nil {
		p.inbox = newChannel(-1)
		p.inbox.owner = p
		for _, m := range p.pending {
			p.inbox.push(p.messageValue(m))
		}
		p.pending = nil
	}
	return p.inbox
}

// subscribeTopic installs a listener and moves waiting messages of its topic.
func (p *process) subscribeTopic(topic string, l *listener) {
	r := p.more()
	if r.listeners == nil {
		r.listeners = map[string]*listener{}
	}
	r.listeners[topic] = l
	kept := p.pending[:0]
	for _, m := range p.pending {
		if m.topic == topic {
			l.ch.push(p.messageValue(m))
		} else {
			kept = append(kept, m)
		}
	}
	clear(p.pending[len(kept):])
	p.pending = kept
}

// dropListeners ends the subscriptions of code that is being replaced
// (process.upgrade): the messages still buffered in listen channels go back
// to the mailbox, ahead of the rest, so the new code can subscribe again and
// nothing is lost.
func (p *process) dropListeners() {
	var back []*message
	for topic, l := range p.rare.listeners {
		for _, v := range l.ch.buf {
			if ud, isUD := v.(*lua.LUserData); isUD {
				if m, isMsg := ud.Value.(*message); isMsg {
					back = append(back, m)
				}
			}
		}
		l.ch.buf = nil
		l.ch.close()
		delete(p.rare.listeners, topic)
	}
	p.pending = append(back, p.pending...)
}

func (p *process) subscribeEvents() *channel {
	if p.events == nil {
		p.events = newChannel(-1)
		for _, e := range p.rare.pendingEvents {
			p.events.push(e)
		}
		if p.rare != noRare {
			p.rare.pendingEvents = nil
		}
	}
	return p.events
}

func (p *process) deliverEvent(ev lua.LValue) {
	if p.events != nil {
		p.events.push(ev)
		return
	}
	r := p.more()
	r.pendingEvents = append(r.pendingEvents, ev)
}

// kill tears the process down: every task unwinds at its next instruction or
// as soon as it wakes from a wait.
func (p *process) kill(reason *Error) {
	if p.killed != nil {
		return
	}
	p.killed = reason
	for _, t := range p.tasks {
		t.interrupt(reason)
	}
}

func (p *process) taskDone(t *task) {
	for i, x := range p.tasks {
		if x == t {
			p.tasks = append(p.tasks[:i], p.tasks[i+1:]...)
			break
		}
	}
}

// exit reports the process's end to the host once and releases it. Sibling
// tasks (coroutine.spawn) unwind: a process ends with its main function.
func (p *process) exit(abnormal bool, value []byte) {
	if p.exited {
		return
	}
	p.exited = true
	delete(p.in.procs, p.handle)
	p.in.sched.runq.leave(p.slot)
	if p.in.memory.victim == p {
		// Forgotten, so that its memory is: the guard held the last
		// process it ended, and with it all that process had built (6 MiB
		// of a 16 MiB instance), until it chose another.
		p.in.memory.victim = nil
	}
	if !p.in.closed {
		p.in.host.Exit(p.handle, abnormal, value)
	}
	if p.killed == nil {
		p.killed = &Error{Status: abi.Canceled, Message: "process exited"}
		for _, t := range p.tasks {
			if t.stop == nil {
				t.interrupt(p.killed)
			}
		}
	}
}

// exitError ends the process abnormally with e.
func (p *process) exitError(e *Error) {
	p.exit(true, appendError(nil, e))
}
