package host

import (
	"math"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// Sending: every message, from a Lua process or a Go-side one, passes the
// same checks here and is queued in the receiver's mailbox by deliver.

// send delivers a message from process from (of t) to dest, by PID or name,
// after the checks every sender passes: the topic, the payload size, the
// policy, and the receiver's mailbox bound. via is the instance the sender
// runs in (nil for a Go-side sender): when the receiver lives there too and
// nothing waits in the host for that instance, no record is queued and send
// returns the receiver's handle for the guest to deliver the message itself
// (abi/ABI.md, send). Order from one sender holds: once a record waits for
// the instance, every later send of this step queues behind it.
func (t *Tenant) send(from *process, via *instance, dest, topic string, payload []byte) (local uint32, err *abi.Error) {
	if topic == "" || topic[0] == '@' || len(topic) > abi.MaxTopic {
		return 0, abi.Errorf(abi.Invalid, "invalid topic %q", topic)
	}
	if limit := t.limits.Payload; int64(len(payload)) > limit {
		return 0, abi.Errorf(abi.Invalid, "payload of %d bytes is larger than the limit of %d", len(payload), limit)
	}
	to, err := t.resolve(dest)
	if err != nil {
		return 0, err
	}
	// A trusted Go-side process is the application waiting for an answer
	// (Tenant.Call, Exec, Wait): any process may answer it.
	if !from.trusted && !to.trusted {
		if err := t.checkOn(from, policies.ActionSend, to); err != nil {
			return 0, err
		}
	}
	if limit := int64(t.limits.Mailbox); to.queued.Load() >= limit {
		return 0, abi.Errorf(abi.Unavailable, "mailbox of %s is full (%d messages)", dest, limit)
	}
	if via != nil && to.box == mailbox(via) && via.idleFor(to) {
		to.queued.Add(1)
		t.counters.messages.add(from.stripe, 1)
		return to.handle, nil
	}
	if backlog, ok := t.rt.deliverWithin(to, from.pid, from.stripe, topic, payload, maxBacklog, via); !ok {
		return 0, abi.Errorf(abi.Unavailable, "mailbox of %s is full (%d bytes wait for its instance)", dest, backlog)
	}
	return 0, nil
}

// deliver queues a message record for p, counted in p's stripe.
func (rt *Runtime) deliver(p *process, from, topic string, payload []byte) {
	rt.deliverWithin(p, from, p.stripe, topic, payload, math.MaxInt, nil)
}

// deliverWithin queues a message record for p unless the records waiting
// for p's instance would pass limit bytes with it, and counts it in the
// tenant's stripe (the sender's: process.stripe). by is the instance whose
// turn sends it, or nil (see shard.push).
func (rt *Runtime) deliverWithin(p *process, from string, stripe uint16, topic string, payload []byte, limit int, by *instance) (backlog int, ok bool) {
	// Counted before the record is visible: the guest's consumed report may
	// follow at once.
	p.queued.Add(1)
	if backlog, ok = p.box.postMessage(p, from, topic, payload, limit, by); !ok {
		p.queued.Add(-1)
		return backlog, false
	}
	p.tenant.counters.messages.add(stripe, 1)
	return 0, true
}
