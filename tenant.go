package moonbox

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// DefaultHost is the host ID every tenant has unless its tenant.yaml lists
// others: where Spawn and Exec start processes.
const DefaultHost = tenants.DefaultHost

// Tenant is a deployed tenant. Its methods are safe for concurrent use.
type Tenant struct {
	r *Runtime
	t *host.Tenant

	mu  sync.Mutex
	cfg *tenants.Config
}

// Name is the tenant's name (from its tenant.yaml).
func (t *Tenant) Name() string { return t.t.Name() }

// Config is the tenant's config as deployed: its tenant.yaml with the
// operator's defaults applied.
func (t *Tenant) Config() tenants.Config {
	t.mu.Lock()
	defer t.mu.Unlock()
	return *t.cfg
}

// Processes is the number of the tenant's live processes (Go-side ones too).
func (t *Tenant) Processes() int { return t.t.Live() }

// Spawn starts process id (a source ID of the bundle, or one [Tenant.Handle]
// serves) on the tenant's first host, with args as main's arguments.
func (t *Tenant) Spawn(ctx context.Context, id string, args ...any) (string, error) {
	return t.SpawnWith(ctx, SpawnOptions{}, id, args...)
}

// SpawnOptions are the choices of [Tenant.SpawnWith].
type SpawnOptions struct {
	// Host is the host ID to spawn on ("": the tenant's first).
	Host string
	// Name is registered for the process before it runs its first
	// instruction, so others can reach it by name as soon as SpawnWith
	// returns (ALREADY_EXISTS if a live process holds it).
	Name string
}

// SpawnWith is Spawn with options.
func (t *Tenant) SpawnWith(ctx context.Context, o SpawnOptions, id string, args ...any) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	a, err := encodeArgs(args)
	if err != nil {
		return "", err
	}
	g, err := t.gateway()
	if err != nil {
		return "", err
	}
	defer g.Exit(nil)
	pid, err := g.Spawn(host.SpawnRequest{ID: id, Host: o.Host, Name: o.Name, Args: a})
	return pid, wrap(err)
}

// Exec runs process id with args and waits for its exit: its exit value, or
// its error when it exits abnormally. It is Lua's process.call seen from Go.
// If ctx ends first, the process is terminated and ctx's error returned.
func (t *Tenant) Exec(ctx context.Context, id string, args ...any) (Value, error) {
	a, err := encodeArgs(args)
	if err != nil {
		return Value{}, err
	}
	g, err := t.gateway()
	if err != nil {
		return Value{}, err
	}
	defer g.Exit(nil)
	pid, err := g.Spawn(host.SpawnRequest{ID: id, Args: a, Call: true})
	if err != nil {
		return Value{}, wrap(err)
	}
	for {
		d, err := g.Receive(ctx)
		if err != nil {
			_ = g.Control(abi.OpTerminate, pid, 0)
			return Value{}, wrap(err)
		}
		if d.Kind == host.DeliveryReply && d.From == pid {
			return replyOf(d.Abnormal, d.Value)
		}
	}
}

// Call sends a request to dest, a running process (a PID or a registered
// name), and waits for its reply: the first message dest sends back to the
// request's sender (msg:from() in Lua), whatever its topic. A reply of
// several values is a Lua array of them. If dest exits first, its exit is the
// error (NOT_FOUND if it did not exist); if ctx ends first, ctx's error.
func (t *Tenant) Call(ctx context.Context, dest, topic string, payload ...any) (Value, error) {
	p, err := encodeArgs(payload)
	if err != nil {
		return Value{}, err
	}
	g, err := t.gateway()
	if err != nil {
		return Value{}, err
	}
	// The gateway's exit ends its monitor of dest with it: no unmonitor.
	defer g.Exit(nil)
	return call(ctx, g, dest, topic, p, nil, false)
}

// call is a request from the Go-side process g to dest and its reply: the
// first message from dest. g monitors dest while it waits, so a receiver
// that exits without answering ends the wait; with unwatch the monitor ends
// with the call (a gateway, which exits after it, skips that). Other
// deliveries that arrive meanwhile go to stash (nil: dropped; a gateway gets
// none).
func call(ctx context.Context, g *host.GoProcess, dest, topic string, payload []byte, stash func(host.Delivery), unwatch bool) (Value, error) {
	to, err := g.Resolve(dest)
	if err != nil {
		return Value{}, wrap(err)
	}
	if err := g.Watch(to, false); err != nil {
		return Value{}, wrap(err)
	}
	if unwatch {
		defer g.Watch(to, true)
	}
	if err := g.Send(to, topic, payload); err != nil {
		return Value{}, wrap(err)
	}
	for {
		d, err := g.Receive(ctx)
		if err != nil {
			return Value{}, wrap(err)
		}
		switch {
		case d.Kind == host.DeliveryMessage && d.From == to:
			return payloadValue(d.Payload), nil
		case d.Kind == host.DeliveryEvent && d.Event == abi.EventExit && d.From == to:
			return Value{}, exitedBeforeReply(dest, d.Result)
		case stash != nil:
			stash(d)
		}
	}
}

// Send sends a message from the application to dest (a PID or a name). Its
// sender (msg:from() in Lua) is a Go-side process that exits at once: to
// get replies, use [Tenant.Call] or a process of [Tenant.NewProcess].
func (t *Tenant) Send(ctx context.Context, dest, topic string, payload ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := encodeArgs(payload)
	if err != nil {
		return err
	}
	g, err := t.gateway()
	if err != nil {
		return err
	}
	defer g.Exit(nil)
	return wrap(g.Send(dest, topic, p))
}

// Terminate ends process dest (a PID or a name) abnormally ("terminated",
// CANCELED), as process.terminate does.
func (t *Tenant) Terminate(dest string) error { return t.control(abi.OpTerminate, dest, 0) }

// Cancel sends dest a CANCEL event; if it has not exited after deadline, it is
// terminated (TIMEOUT). A deadline of 0 or less only asks.
func (t *Tenant) Cancel(dest string, deadline time.Duration) error {
	ms := int64(-1)
	if deadline > 0 {
		ms = deadline.Milliseconds()
	}
	return t.control(abi.OpCancel, dest, ms)
}

func (t *Tenant) control(op abi.ControlOp, dest string, arg int64) error {
	g, err := t.gateway()
	if err != nil {
		return err
	}
	defer g.Exit(nil)
	return wrap(g.Control(op, dest, arg))
}

// Wait waits for process pid (or a registered name) to exit and returns how
// it ended. A process that is not alive is NOT_FOUND: its exit is not kept.
func (t *Tenant) Wait(ctx context.Context, pid string) (Exit, error) {
	g, err := t.gateway()
	if err != nil {
		return Exit{}, err
	}
	defer g.Exit(nil)
	if err := g.Control(abi.OpMonitor, pid, 0); err != nil {
		return Exit{}, wrap(err)
	}
	for {
		d, err := g.Receive(ctx)
		if err != nil {
			return Exit{}, wrap(err)
		}
		if d.Kind == host.DeliveryEvent && d.Event == abi.EventExit {
			return exitOf(d.From, d.Result), nil
		}
	}
}

// Handle makes id a Go source of the tenant: Lua's process.call(id, host,
// ...) and process.spawn(id, host, ...) (and Spawn and Exec from Go) start a
// Go-side process that runs h, under the same policy checks as a Lua source
// (process.spawn on id, process.host, process.call). h's result is the
// process's exit value, the reply of process.call; an error is an abnormal
// exit (an *[Error] keeps its kind). A panic in h is an abnormal exit
// (INTERNAL), never the runtime's. h's ctx ends when the process is
// terminated or its caller's link breaks. nil removes the handler.
func (t *Tenant) Handle(id string, h Handler) error {
	if h == nil {
		return wrap(t.t.Handle(id, nil))
	}
	return wrap(t.t.Handle(id, func(ctx context.Context, g *host.GoProcess, args []byte) ([]byte, error) {
		req := &Request{Process: &Process{g: g, t: t}, Args: argsOf(args)}
		v, err := h(ctx, req)
		if err != nil {
			return nil, toHostError(err)
		}
		return encodeValue(v)
	}))
}

// Handler serves a Go source: see [Tenant.Handle].
type Handler func(ctx context.Context, req *Request) (any, error)

// Request is what a [Handler] is started with.
type Request struct {
	// Process is the Go-side process the handler runs as: its PID, its
	// mailbox, its rights.
	Process *Process
	// Args are main's arguments, as the spawner passed them.
	Args []Value
}

// NewProcess starts a Go-side process in the tenant, registered under name
// (when not ""): Lua processes send to it, link to and monitor it like any
// process, and what it does is checked against the tenant's policy with name
// as its actor. It lives until [Process.Exit] or until something ends it
// (a linked process failing, process.terminate, Undeploy).
func (t *Tenant) NewProcess(ctx context.Context, name string) (*Process, error) {
	return t.NewProcessWith(ctx, ProcessOptions{Name: name})
}

// ProcessOptions are the choices of [Tenant.NewProcessWith].
type ProcessOptions struct {
	// Name is registered for the process ("": none) and is its source ID,
	// the resource policy rules name for sends to it (without a name, its
	// actor is; without either, "go").
	Name string
	// Actor is the subject of the policy checks of what it does (default:
	// its source ID). Many processes may share an actor: an HTTP ingress
	// makes one process per request, all acting as "ingress".
	Actor string
}

// NewProcessWith is NewProcess with options.
func (t *Tenant) NewProcessWith(ctx context.Context, o ProcessOptions) (*Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g, err := t.t.NewGoProcess(host.GoOptions{Name: o.Name, Actor: o.Actor})
	if err != nil {
		return nil, wrap(err)
	}
	return &Process{g: g, t: t}, nil
}

// gateway is a trusted Go-side process through which the application acts
// on the tenant: one per operation, so replies and exits reach only the
// operation that waits for them.
func (t *Tenant) gateway() (*host.GoProcess, error) {
	g, err := t.t.NewGoProcess(host.GoOptions{Trusted: true})
	if err != nil {
		return nil, wrap(err)
	}
	return g, nil
}

// Undeploy ends the tenant: every process gets a CANCEL event with ctx's
// deadline (at most a few seconds when ctx has none), those still alive
// then are terminated, its names and instances are freed, and the tenant
// leaves the runtime. Monitors of its processes see their exits.
func (t *Tenant) Undeploy(ctx context.Context) error {
	t.stop(ctx)
	t.r.forget(t)
	t.r.report(Event{Kind: EventDeploy, Tenant: t.Name(), Message: "undeployed"})
	return nil
}

// stop removes the tenant from the host runtime, bounding the wait.
func (t *Tenant) stop(ctx context.Context) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, stopWait)
		defer cancel()
	}
	t.r.rt.RemoveTenant(ctx, t.t)
}

// Exit is how a process ended.
type Exit struct {
	PID string
	// Value is the exit value of a normal exit.
	Value Value
	// Err is the error of an abnormal exit (an *[Error]), nil for a normal one.
	Err error
}

func exitOf(pid string, result []byte) Exit {
	e := Exit{PID: pid}
	var r struct {
		Value Value  `cbor:"value"`
		Error string `cbor:"error"`
	}
	v := Value{raw: result}
	if err := v.Decode(&r); err != nil {
		e.Err = &Error{Kind: KindUnknown, Message: "unreadable exit"}
		return e
	}
	if r.Error != "" {
		e.Err = &Error{Kind: kindOfExitError(r.Error), Message: r.Error}
		return e
	}
	e.Value = r.Value
	return e
}

// exitedBeforeReply is the error of a call whose receiver exited first.
func exitedBeforeReply(dest string, result []byte) error {
	e := exitOf(dest, result)
	if e.Err != nil {
		var me *Error
		if errors.As(e.Err, &me) {
			return &Error{Kind: me.Kind, Message: dest + " exited before replying: " + me.Message}
		}
	}
	return &Error{Kind: KindUnavailable, Message: dest + " exited before replying"}
}

// kindOfExitError guesses nothing: an EXIT event carries only the message,
// so an abnormal exit seen through a monitor is UNKNOWN unless it is one of
// the runtime's own (terminated, limits).
func kindOfExitError(msg string) Kind {
	switch msg {
	case "terminated", "linked process failed", host.ReasonRemoved:
		return KindCanceled
	case "CPU budget exhausted", "cancel deadline exceeded":
		return KindTimeout
	case "memory limit exceeded":
		return KindUnavailable
	}
	return KindUnknown
}
