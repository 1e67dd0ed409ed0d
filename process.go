package moonbox

import (
	"context"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/host"
)

// Process is a Go-side process: a PID in a tenant, a mailbox, and the rights
// the tenant's policy gives its actor. Lua processes reach it with the
// process API (send to its PID or name, link, monitor) and it reaches them
// with the methods below. Its methods are safe for concurrent use.
type Process struct {
	g *host.GoProcess
	t *Tenant

	mu      sync.Mutex
	pending []host.Delivery // what arrived while Call waited for its reply
}

// PID is the process's PID.
func (p *Process) PID() string { return p.g.PID() }

// Tenant is the tenant the process belongs to.
func (p *Process) Tenant() *Tenant { return p.t }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.g.Done() }

// MessageKind says what a [Message] is.
type MessageKind string

// What a process receives: messages, and the events of process.events().
const (
	KindMessage  MessageKind = "message"
	KindExit     MessageKind = "EXIT"      // a monitored process exited
	KindLinkDown MessageKind = "LINK_DOWN" // a linked process failed (the process traps links)
	KindCancel   MessageKind = "CANCEL"    // someone asked the process to stop
)

// Message is what a Go-side process receives.
type Message struct {
	Kind MessageKind
	// From is the sender, or the process an event is about ("" for the
	// runtime).
	From  string
	Topic string
	// Payload is the message's values: nil for none, the value itself for
	// one, an array for several (see Args).
	Payload Value
	// Args are the message's values one by one.
	Args []Value
	// Exit is how the process an EXIT or LINK_DOWN event is about ended.
	Exit *Exit
	// Deadline is a CANCEL event's deadline (zero for none).
	Deadline time.Time
}

// Receive returns the next message or event, waiting until ctx ends. Once
// the process has exited it returns an UNAVAILABLE error.
func (p *Process) Receive(ctx context.Context) (Message, error) {
	for {
		d, ok := p.unstash()
		if !ok {
			var err error
			if d, err = p.g.Receive(ctx); err != nil {
				return Message{}, wrap(err)
			}
		}
		switch d.Kind {
		case host.DeliveryMessage:
			return Message{Kind: KindMessage, From: d.From, Topic: d.Topic, Payload: payloadValue(d.Payload), Args: argsOf(d.Payload)}, nil
		case host.DeliveryEvent:
			m := Message{Kind: MessageKind(d.Event.Name()), From: d.From, Deadline: d.Deadline}
			if d.Event != abi.EventCancel {
				e := exitOf(d.From, d.Result)
				m.Exit = &e
			}
			return m, nil
		}
		// A reply of a call this process made: Exec takes those itself.
	}
}

func (p *Process) unstash() (host.Delivery, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pending) == 0 {
		return host.Delivery{}, false
	}
	d := p.pending[0]
	p.pending = p.pending[1:]
	return d, true
}

func (p *Process) stash(d host.Delivery) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(p.pending, d)
}

// Call sends a request to dest (a PID or a registered name) and waits for
// the reply: the first message dest sends to this process. What else
// arrives meanwhile is kept for Receive. The send is checked against the
// tenant's policy with this process as the sender. If dest exits first, its
// exit is the error; if ctx ends first, ctx's error.
func (p *Process) Call(ctx context.Context, dest, topic string, payload ...any) (Value, error) {
	b, err := encodeArgs(payload)
	if err != nil {
		return Value{}, err
	}
	return call(ctx, p.g, dest, topic, b, p.stash, true)
}

// Send sends a message to dest (a PID or a registered name), checked against
// the tenant's policy with this process as the sender.
func (p *Process) Send(ctx context.Context, dest, topic string, payload ...any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := encodeArgs(payload)
	if err != nil {
		return err
	}
	return wrap(p.g.Send(dest, topic, b))
}

// Reply answers msg: a message to its sender with its topic.
func (p *Process) Reply(ctx context.Context, msg Message, payload ...any) error {
	return p.Send(ctx, msg.From, msg.Topic, payload...)
}

// Monitor makes the process receive an EXIT message when dest exits.
func (p *Process) Monitor(dest string) error { return wrap(p.g.Control(abi.OpMonitor, dest, 0)) }

// Demonitor undoes Monitor.
func (p *Process) Demonitor(dest string) error { return wrap(p.g.Control(abi.OpUnmonitor, dest, 0)) }

// Link links the process with dest: when either fails, the other is ended
// too, unless it traps links (see TrapLinks), when it gets LINK_DOWN instead.
func (p *Process) Link(dest string) error { return wrap(p.g.Control(abi.OpLink, dest, 0)) }

// Unlink undoes Link.
func (p *Process) Unlink(dest string) error { return wrap(p.g.Control(abi.OpUnlink, dest, 0)) }

// TrapLinks sets whether a linked process's failure arrives as a LINK_DOWN
// message (true) or ends this process (false, the default).
func (p *Process) TrapLinks(trap bool) error {
	arg := int64(0)
	if trap {
		arg = 1
	}
	return wrap(p.g.Control(abi.OpTrapLinks, "", arg))
}

// Terminate ends dest abnormally, with this process's rights.
func (p *Process) Terminate(dest string) error { return wrap(p.g.Control(abi.OpTerminate, dest, 0)) }

// Register registers name for this process in its tenant.
func (p *Process) Register(name string) error { return wrap(p.g.Register(name, "")) }

// Exit ends the process normally with value (see the package doc for what
// converts); monitors see it, links break quietly.
func (p *Process) Exit(value any) error {
	b, err := encodeValue(value)
	if err != nil {
		return err
	}
	p.g.Exit(b)
	return nil
}

// Fail ends the process abnormally with err: linked processes fail too,
// monitors see the error.
func (p *Process) Fail(err error) { p.g.Fail(toHostError(err)) }
