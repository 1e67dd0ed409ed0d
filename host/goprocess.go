package host

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// A Go-side process is a process of a tenant whose code is Go in the host
// rather than Lua in a guest: it has a PID (and names), Lua processes send to
// it, call it, link to and monitor it, and it does the same to them, under
// the tenant's policy like any process (DESIGN.md decision 12: host services
// are processes, the ABI stays the process API). Its records go to a queue
// in host memory, bounded by the tenant's mailbox limit like any mailbox.

// DeliveryKind says what a [Delivery] is.
type DeliveryKind uint8

const (
	// DeliveryMessage is a message: From, Topic, Payload.
	DeliveryMessage DeliveryKind = iota + 1
	// DeliveryEvent is a lifecycle event: Event, From, Result, Deadline.
	DeliveryEvent
	// DeliveryReply is the exit of a process this one spawned with Call set:
	// From (the child), Abnormal, Value.
	DeliveryReply
)

// Delivery is one thing a Go-side process receives.
type Delivery struct {
	Kind  DeliveryKind
	From  string // the sender's PID ("" for the runtime)
	Topic string
	// Payload is the message's values, one CBOR array.
	Payload []byte
	Event   abi.EventKind
	// Result is an EXIT or LINK_DOWN event's result: one CBOR map,
	// {value = v} or {error = message}.
	Result []byte
	// Deadline is a CANCEL event's deadline (zero for none).
	Deadline time.Time
	// Abnormal and Value are a reply's: the child's exit value (one CBOR
	// value), or when abnormal an error object.
	Abnormal bool
	Value    []byte
}

// ErrExited is returned by a Go-side process's methods once it has exited.
var ErrExited = errors.New("host: the process has exited")

// goMailbox is the queue of a Go-side process.
type goMailbox struct {
	mu    sync.Mutex
	queue []Delivery
	bytes int
	wake  chan struct{} // one token: something was queued
	dead  chan struct{} // closed at the process's exit
	gone  bool
	// A Go source run by process.call watches its caller: the caller's EXIT
	// ends the handler's context (nobody waits for its answer any more).
	caller       string
	callerExited func()
	// ended, if set, is called at the process's exit (a Go source's
	// handler context is cancelled by it).
	ended func()
}

func newGoMailbox() *goMailbox {
	return &goMailbox{wake: make(chan struct{}, 1), dead: make(chan struct{})}
}

// post decodes the record as the guest would and queues it. A kill ends the
// process at once: there is no guest step to wait for.
func (m *goMailbox) post(kind abi.RecordKind, p *process, fill func(w *abi.RecordWriter), _ *instance) {
	var w abi.RecordWriter
	w.Begin(kind, p.handle)
	fill(&w)
	w.End()
	_, _, r, _, err := abi.NextRecord(w.Batch())
	if err != nil {
		return
	}
	var d Delivery
	switch kind {
	case abi.RecordMessage:
		d = Delivery{Kind: DeliveryMessage, From: r.String(), Topic: r.String(), Payload: clone(r.Bytes())}
	case abi.RecordEvent:
		d = Delivery{Kind: DeliveryEvent, Event: abi.EventKind(r.Uint()), From: r.String(), Result: clone(r.Bytes())}
		if ms := r.Uint(); ms > 0 {
			d.Deadline = time.UnixMilli(int64(ms))
		}
		m.mu.Lock()
		caller, callerExited := m.caller, m.callerExited
		m.mu.Unlock()
		if d.Event == abi.EventExit && d.From != "" && d.From == caller {
			callerExited()
			return
		}
	case abi.RecordReply:
		d = Delivery{Kind: DeliveryReply, From: r.String(), Abnormal: r.Uint() != 0, Value: clone(r.Bytes())}
	case abi.RecordKill:
		status, reason := abi.Status(r.Uint()), r.String()
		p.tenant.rt.exited(p, Exit{PID: p.pid, Abnormal: true, Kind: status.Kind(), Error: reason})
		return
	default: // timers are the guest's; a Go-side process has none
		return
	}
	if r.Err() != nil {
		return
	}
	m.mu.Lock()
	if m.gone {
		m.mu.Unlock()
		return
	}
	m.queue = append(m.queue, d)
	m.bytes += len(d.Payload) + len(d.Result) + len(d.Value)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// postMessage queues a message as post would, without writing and reading
// back a record.
func (m *goMailbox) postMessage(p *process, from, topic string, payload []byte, limit int, _ *instance) (int, bool) {
	d := Delivery{Kind: DeliveryMessage, From: from, Topic: topic, Payload: clone(payload)}
	m.mu.Lock()
	if m.gone {
		m.mu.Unlock()
		return 0, true // dropped, as post drops it
	}
	if n := m.bytes; n+len(payload) > limit {
		m.mu.Unlock()
		return n, false
	}
	m.queue = append(m.queue, d)
	m.bytes += len(d.Payload)
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return 0, true
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (m *goMailbox) backlog() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bytes
}

func (m *goMailbox) remove(*process) {
	m.mu.Lock()
	if m.gone {
		m.mu.Unlock()
		return
	}
	m.gone = true // what was queued stays readable: the exit of a monitored process, say
	close(m.dead)
	ended := m.ended
	m.mu.Unlock()
	if ended != nil {
		ended()
	}
}

// onExit makes f run at the process's exit, at once if it has exited
// (nil: nothing runs).
func (m *goMailbox) onExit(f func()) {
	m.mu.Lock()
	gone := m.gone
	if !gone {
		m.ended = f
	}
	m.mu.Unlock()
	if gone && f != nil {
		f()
	}
}

// take pops the oldest delivery, if any.
func (m *goMailbox) take() (Delivery, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.queue) == 0 {
		return Delivery{}, false
	}
	d := m.queue[0]
	m.queue[0] = Delivery{}
	m.queue = m.queue[1:]
	m.bytes -= len(d.Payload) + len(d.Result) + len(d.Value)
	if len(m.queue) == 0 {
		m.queue = nil // a burst's array is not kept
	}
	return d, true
}

// GoProcess is a Go-side process: see the comment at the top of this file.
// Its methods are safe for concurrent use.
type GoProcess struct {
	p *process
	m *goMailbox
}

// GoOptions configure a Go-side process.
type GoOptions struct {
	// Name, if set, is registered for the process in its tenant (Lua reaches
	// it with process.send(name, ...)), and is its source ID, which policy
	// rules name as the resource of sends to it. Without a name its source
	// ID is its actor, or "go".
	Name string
	// Actor is its security actor, the subject of the checks of what it
	// does. Default: its source ID.
	Actor string
	// Trusted processes act with the embedding application's authority:
	// what they do is not checked against the tenant's policy (what is done
	// to them still is).
	Trusted bool
}

// GoHandler runs a Go source (see [Tenant.Handle]) as the process g, with
// main's arguments args (one CBOR array). ctx ends when g is ended or, for
// process.call, when its caller exits. Its value (one CBOR value; nil is
// nil) is the exit value; an error is an abnormal exit (a *[abi.Error] keeps
// its kind, anything else is UNKNOWN).
type GoHandler func(ctx context.Context, g *GoProcess, args []byte) ([]byte, error)

// Handle makes id a Go source of the tenant: process.spawn(id, host, ...)
// and process.call(id, host, ...) from Lua (and Spawn from Go) start a
// Go-side process running h, under the same checks as a Lua source. A Go
// source takes precedence over a bundle file of the same ID.
func (t *Tenant) Handle(id string, h GoHandler) error {
	if _, err := t.sourcePath(id); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.handlers == nil {
		t.handlers = map[string]GoHandler{}
	}
	if h == nil {
		delete(t.handlers, id)
	} else {
		t.handlers[id] = h
	}
	return nil
}

func (t *Tenant) handler(id string) GoHandler {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.handlers[id]
}

// NewGoProcess starts a Go-side process in the tenant, on its first host.
// It lives until Exit (or a kill: a linked process failing, terminate,
// RemoveTenant). It counts against the tenant's process limit.
func (t *Tenant) NewGoProcess(o GoOptions) (*GoProcess, error) {
	id := o.Name
	if id != "" {
		if err := checkName(id); err != nil {
			return nil, err
		}
	} else if id = o.Actor; id == "" {
		id = "go"
	}
	actor := o.Actor
	if actor == "" {
		actor = id
	}
	if t.live.Add(1) > int64(t.limits.Processes) {
		t.live.Add(-1)
		return nil, quotaError("process", t.limits.Processes)
	}
	t.liveGo.Add(1)
	m := newGoMailbox()
	p := &process{
		id: id, actor: actor, tenant: t, box: m, trusted: o.Trusted, alive: true,
	}
	p.pid = formatPID(t.firstHost(), t.rt.seq.Add(1), t.index, t.rt.cfg.Node)
	p.stripe = stripeOf(t.rt.shardOf(p.pid))
	if o.Name != "" {
		if err := t.register(o.Name, p); err != nil {
			t.live.Add(-1)
			t.liveGo.Add(-1)
			return nil, err
		}
	}
	if t.isRemoved() {
		t.rt.exited(p, Exit{PID: p.pid, Abnormal: true, Kind: abi.Unavailable.Kind(), Error: ReasonRemoved})
		return nil, abi.Errorf(abi.Unavailable, "tenant %s is removed", t.name)
	}
	t.rt.publish(p)
	return &GoProcess{p: p, m: m}, nil
}

// startGo runs a Go source's handler as the Go-side process p.
func (rt *Runtime) startGo(p *process, h GoHandler, args []byte) {
	g := &GoProcess{p: p, m: p.box.(*goMailbox)}
	ctx, cancel := context.WithCancel(context.Background())
	if c := p.caller; c != nil {
		g.m.mu.Lock()
		g.m.caller, g.m.callerExited = c.pid, cancel
		g.m.mu.Unlock()
		if _, err := p.tenant.controlAs(p, abi.OpMonitor, c.pid, 0, false); err != nil {
			cancel() // the caller is gone already
		}
	}
	// The exit cancels ctx from where it happens: no goroutine waits for it.
	g.m.onExit(cancel)
	go func() {
		defer cancel()
		value, err := runHandler(ctx, h, g, args)
		// Returned: its context is cancelled by the deferred cancel, after
		// the exit is reported, not on the way of the reply.
		g.m.onExit(nil)
		if err != nil {
			g.Fail(err)
			return
		}
		g.Exit(value)
	}()
}

// runHandler calls h, turning a panic into an error: a Go service's bug
// ends its process, never the runtime.
func runHandler(ctx context.Context, h GoHandler, g *GoProcess, args []byte) (value []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = abi.Errorf(abi.Internal, "go handler %s panicked: %v", g.p.id, r)
			g.p.tenant.rt.cfg.Warn(g.p.tenant.name, fmt.Sprintf("go handler %s panicked: %v\n%s", g.p.id, r, debug.Stack()))
		}
	}()
	return h(ctx, g, args)
}

// PID is the process's PID.
func (g *GoProcess) PID() string { return g.p.pid }

// Done is closed when the process has exited.
func (g *GoProcess) Done() <-chan struct{} { return g.m.dead }

// Receive returns the next delivery, waiting for one until ctx ends or the
// process exits ([ErrExited]).
func (g *GoProcess) Receive(ctx context.Context) (Delivery, error) {
	for {
		if d, ok := g.m.take(); ok {
			if d.Kind == DeliveryMessage && g.p.queued.Add(-1) < 0 {
				g.p.queued.Store(0)
			}
			return d, nil
		}
		select {
		case <-g.m.wake:
		case <-g.m.dead:
			if d, ok := g.m.take(); ok { // queued before the exit
				return d, nil
			}
			return Delivery{}, ErrExited
		case <-ctx.Done():
			return Delivery{}, ctx.Err()
		}
	}
}

// Resolve returns the PID of dest, a PID or a name, in g's tenant.
func (g *GoProcess) Resolve(dest string) (string, error) {
	p, err := g.p.tenant.resolve(dest)
	if err != nil {
		return "", err
	}
	return p.pid, nil
}

// Send sends a message (payload: one CBOR array) to dest, a PID or a name.
func (g *GoProcess) Send(dest, topic string, payload []byte) error {
	if !g.p.isAlive() {
		return ErrExited
	}
	if payload == nil {
		payload = abi.AppendArray(nil, 0)
	}
	if err := abi.Validate(payload); err != nil || payload[0]>>5 != 4 {
		return abi.Errorf(abi.Invalid, "payload must be a CBOR array")
	}
	_, err := g.p.tenant.send(g.p, nil, dest, topic, payload)
	return asError(err)
}

// SpawnRequest is what a Go-side process asks of Spawn.
type SpawnRequest struct {
	ID, Host string
	Args     []byte // one CBOR array; nil: none
	// Call makes the child's exit a DeliveryReply to this process (it is
	// how Lua's process.call waits).
	Call, Monitor, Link bool
	Name                string
}

// Spawn starts a process of the tenant on behalf of g, with g's rights.
func (g *GoProcess) Spawn(r SpawnRequest) (string, error) {
	if !g.p.isAlive() {
		return "", ErrExited
	}
	if r.Host == "" {
		r.Host = g.p.tenant.firstHost()
	}
	args := r.Args
	if args == nil {
		args = abi.AppendArray(nil, 0)
	}
	if err := abi.Validate(args); err != nil || args[0]>>5 != 4 {
		return "", abi.Errorf(abi.Invalid, "spawn arguments must be a CBOR array")
	}
	p, err := g.p.tenant.rt.spawn(g.p.tenant, g.p, spawnRequest{
		ID: r.ID, Host: r.Host, Args: args, Call: r.Call, Monitor: r.Monitor, Link: r.Link, Name: r.Name,
	}, nil)
	if err != nil {
		return "", err
	}
	return p.pid, nil
}

// Control carries out a lifecycle operation on dest (terminate, cancel with
// deadline arg in ms or <0 for none, monitor, unmonitor, link, unlink,
// trap links) with g's rights. Terminating itself exits g abnormally.
func (g *GoProcess) Control(op abi.ControlOp, dest string, arg int64) error {
	if !g.p.isAlive() {
		return ErrExited
	}
	if op == abi.OpUpgrade {
		return abi.Errorf(abi.Invalid, "a Go-side process cannot upgrade")
	}
	res, err := g.p.tenant.control(g.p, op, dest, arg)
	if err != nil {
		return err
	}
	if res == abi.TerminateSelf {
		g.p.tenant.rt.exited(g.p, Exit{PID: g.p.pid, Abnormal: true, Kind: abi.Canceled.Kind(), Error: "terminated"})
	}
	return nil
}

// Watch monitors dest (or, with stop, stops) without a policy check: the
// monitor a request-reply keeps on its receiver is the runtime's, not a
// right the process uses (as process.call's wait for its callee is).
func (g *GoProcess) Watch(dest string, stop bool) error {
	op := abi.OpMonitor
	if stop {
		op = abi.OpUnmonitor
	}
	_, err := g.p.tenant.controlAs(g.p, op, dest, 0, false)
	return asError(err)
}

// Register names a process (pid "" is g itself) in the tenant.
func (g *GoProcess) Register(name, pid string) error {
	_, err := g.p.tenant.registry(g.p, abi.OpRegister, name, pid)
	return asError(err)
}

// Exit ends g normally with value (one CBOR value; nil is nil).
func (g *GoProcess) Exit(value []byte) {
	if value == nil || abi.Validate(value) != nil {
		value = abi.AppendNull(nil)
	}
	g.p.tenant.rt.exited(g.p, Exit{PID: g.p.pid, Value: clone(value)})
}

// Fail ends g abnormally with err (its kind if it is a *abi.Error).
func (g *GoProcess) Fail(err error) {
	e := Exit{PID: g.p.pid, Abnormal: true, Kind: abi.Unknown.Kind(), Error: err.Error()}
	var ve *abi.Error
	if errors.As(err, &ve) {
		e.Kind, e.Retry, e.Details = ve.Status.Kind(), ve.Retry, ve.Details
	}
	g.p.tenant.rt.exited(g.p, e)
}

// asError keeps a nil *abi.Error from becoming a non-nil error.
func asError(err *abi.Error) error {
	if err == nil {
		return nil
	}
	return err
}
