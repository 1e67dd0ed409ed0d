package host

import (
	"runtime"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// The methods in this file implement vm.Host for an instance: they are the
// ABI imports, called on the instance's shard goroutine while it runs a step.
// Each one distrusts its caller: the handle must name a live process of this
// instance, every string is checked, and nothing blocks.

var _ vm.Host = (*instance)(nil)

var errUnknownCaller = vm.Errorf(abi.Invalid, "unknown calling process")

// caller resolves the calling handle.
func (in *instance) caller(h uint32) (*process, *vm.Error) {
	p := in.process(h)
	if p == nil {
		return nil, errUnknownCaller
	}
	return p, nil
}

// resolve finds a destination by PID or registered name, within the
// caller's tenant only: another tenant's process is NOT_FOUND, exactly like
// one that never existed.
func (t *Tenant) resolve(dest string) (*process, *vm.Error) {
	if dest == "" || len(dest) > abi.MaxName {
		return nil, vm.Errorf(abi.Invalid, "destination must be a PID or a registered name")
	}
	var p *process
	if isPID(dest) {
		// The PID says where the process lives: another tenant's or another
		// node's is answered without a lookup (no other node is reachable yet).
		parts, valid := parsePID(dest)
		if !valid || parts.tenant != t.index || parts.node != t.rt.cfg.Node {
			return nil, vm.Errorf(abi.NotFound, "no process %s", dest)
		}
		p = t.rt.lookup(dest)
	} else {
		t.mu.Lock()
		p = t.names[dest]
		t.mu.Unlock()
	}
	if p == nil || p.tenant != t || !p.ready.Load() || !p.isAlive() {
		return nil, vm.Errorf(abi.NotFound, "no process %s", dest)
	}
	return p, nil
}

func (in *instance) Spawn(h uint32, req []byte) (string, *vm.Error) {
	parent, err := in.caller(h)
	if err != nil {
		return "", err
	}
	r, err := decodeSpawnRequest(req, in.tenant.limits.Payload)
	if err != nil {
		return "", err
	}
	p, err := in.tenant.rt.spawn(in.tenant, parent, r, nil)
	if err != nil {
		return "", err
	}
	return p.pid, nil
}

func (in *instance) Send(h uint32, dest, topic string, payload []byte) *vm.Error {
	from, err := in.caller(h)
	if err != nil {
		return err
	}
	return in.tenant.send(from, dest, topic, payload)
}

// send delivers a message from process from (of t) to dest, by PID or name,
// after the checks every sender passes: the topic, the payload size, the
// policy, and the receiver's mailbox bound.
func (t *Tenant) send(from *process, dest, topic string, payload []byte) *vm.Error {
	if topic == "" || topic[0] == '@' || len(topic) > abi.MaxTopic {
		return vm.Errorf(abi.Invalid, "invalid topic %q", topic)
	}
	if limit := t.limits.Payload; int64(len(payload)) > limit {
		return vm.Errorf(abi.Invalid, "payload of %d bytes is larger than the limit of %d", len(payload), limit)
	}
	to, err := t.resolve(dest)
	if err != nil {
		return err
	}
	// A trusted Go-side process is the application waiting for an answer
	// (Tenant.Call, Exec, Wait): any process may answer it.
	if !from.trusted && !to.trusted {
		if err := t.checkOn(from, policies.ActionSend, to); err != nil {
			return err
		}
	}
	if limit := int64(t.limits.Mailbox); to.queued.Load() >= limit {
		return vm.Errorf(abi.Unavailable, "mailbox of %s is full (%d messages)", dest, limit)
	}
	if backlog := to.box.backlog(); backlog+len(payload) > maxBacklog {
		return vm.Errorf(abi.Unavailable, "mailbox of %s is full (%d bytes wait for its instance)", dest, backlog)
	}
	t.rt.deliver(to, from.pid, topic, payload)
	return nil
}

// deliver queues a message record for p.
func (rt *Runtime) deliver(p *process, from, topic string, payload []byte) {
	p.queued.Add(1)
	p.box.post(abi.RecordMessage, p, func(w *abi.RecordWriter) {
		w.String(from)
		w.String(topic)
		w.Bytes(payload)
	})
}

func (in *instance) Exit(h uint32, abnormal bool, value []byte) {
	p := in.process(h)
	if p == nil {
		return
	}
	in.tenant.rt.exited(p, exitOf(p.pid, abnormal, value))
}

// exited is the one place a process ends: it leaves the table, its names are
// released, monitors get EXIT, links break (an abnormal exit kills linked
// processes that do not trap links, and sends LINK_DOWN to those that do),
// and a waiting process.call gets its reply.
func (rt *Runtime) exited(p *process, e Exit) {
	p.mu.Lock()
	if !p.alive {
		p.mu.Unlock()
		return
	}
	p.alive = false
	source := p.id
	p.tenant.live.Add(-1)
	if _, isGo := p.box.(*goMailbox); isGo {
		p.tenant.liveGo.Add(-1)
	}
	for _, tm := range p.timers {
		tm.Stop()
	}
	p.timers = nil
	monitors, links, watching, names := p.monitors, p.links, p.watching, p.names
	p.monitors, p.links, p.watching, p.names = nil, nil, nil, nil
	p.mu.Unlock()

	p.box.remove(p)
	rt.mu.Lock()
	delete(rt.table, p.pid)
	rt.mu.Unlock()
	p.tenant.unregisterAll(p, names)

	for w := range watching {
		w.mu.Lock()
		delete(w.monitors, p)
		w.mu.Unlock()
	}
	result := e.result()
	for m := range monitors {
		m.mu.Lock()
		delete(m.watching, p)
		m.mu.Unlock()
		rt.event(m, abi.EventExit, p.pid, result, 0)
	}
	for l := range links {
		l.mu.Lock()
		delete(l.links, p)
		alive, trap := l.alive, l.trapLinks
		l.mu.Unlock()
		if !e.Abnormal || !alive {
			continue
		}
		if trap {
			rt.event(l, abi.EventLinkDown, p.pid, result, 0)
		} else {
			rt.kill(l, abi.Canceled, "linked process failed")
		}
	}
	if c := p.caller; c != nil && c.isAlive() {
		value := e.Value
		abnormal := uint64(0)
		if e.Abnormal {
			value, abnormal = e.errorObject(), 1
		}
		c.box.post(abi.RecordReply, c, func(w *abi.RecordWriter) {
			w.String(p.pid)
			w.Uint(abnormal)
			w.Bytes(value)
		})
	}
	if p.onExit != nil {
		p.onExit(e)
	}
	if rt.cfg.Exited != nil {
		rt.cfg.Exited(p.tenant.name, p.pid, source, e)
	}
}

func (rt *Runtime) event(p *process, kind abi.EventKind, from string, result []byte, deadline uint64) {
	p.box.post(abi.RecordEvent, p, func(w *abi.RecordWriter) {
		w.Uint(uint64(kind))
		w.String(from)
		w.Bytes(result)
		w.Uint(deadline)
	})
}

// kill ends p abnormally at its next turn.
func (rt *Runtime) kill(p *process, status abi.Status, reason string) {
	p.box.post(abi.RecordKill, p, func(w *abi.RecordWriter) {
		w.Uint(uint64(status))
		w.String(reason)
	})
}

func (in *instance) Control(h uint32, op abi.ControlOp, dest string, arg int64) (string, *vm.Error) {
	self, err := in.caller(h)
	if err != nil {
		return "", err
	}
	return in.tenant.control(self, op, dest, arg)
}

// control carries out a lifecycle operation of process self (of t) on dest.
func (t *Tenant) control(self *process, op abi.ControlOp, dest string, arg int64) (string, *vm.Error) {
	rt := t.rt
	switch op {
	case abi.OpTrapLinks:
		self.mu.Lock()
		self.trapLinks = arg != 0
		self.mu.Unlock()
		return "", nil
	case abi.OpUpgrade:
		// Rights follow code: a process may become only code it could spawn.
		if err := self.checkAll(self.by().On(policies.ActionSpawn, dest)); err != nil {
			return "", err
		}
		src, serr := t.source(dest)
		if serr != nil {
			return "", &vm.Error{Status: serr.Status, Message: serr.Message}
		}
		self.mu.Lock()
		if self.actor == self.id {
			self.actor = dest
		}
		self.id = dest
		self.mu.Unlock()
		return src.Text, nil
	}
	target, err := t.resolve(dest)
	if err != nil {
		return "", err
	}
	if action := controlActions[op]; action != "" {
		if err := self.checkOn(action, target); err != nil {
			return "", err
		}
	}
	switch op {
	case abi.OpTerminate:
		if target == self {
			return abi.TerminateSelf, nil // the guest ends the caller itself, now
		}
		rt.kill(target, abi.Canceled, "terminated")
	case abi.OpCancel:
		deadline := uint64(0)
		if arg > maxDurationMs {
			return "", vm.Errorf(abi.Invalid, "cancel deadline of %d ms is beyond a year", arg)
		}
		if arg >= 0 {
			deadline = uint64(time.Now().Add(time.Duration(arg) * time.Millisecond).UnixMilli())
			time.AfterFunc(time.Duration(arg)*time.Millisecond, func() {
				if target.isAlive() {
					rt.kill(target, abi.Timeout, cancelDeadlineExceeded)
				}
			})
		}
		rt.event(target, abi.EventCancel, self.pid, nil, deadline)
	case abi.OpMonitor, abi.OpUnmonitor, abi.OpLink, abi.OpUnlink:
		if target == self {
			return "", vm.Errorf(abi.Invalid, "a process cannot monitor or link itself")
		}
		unlock := lockPair(self, target)
		defer unlock()
		if !target.alive {
			return "", vm.Errorf(abi.NotFound, "no process %s", dest)
		}
		if (op == abi.OpMonitor || op == abi.OpLink) && len(self.links)+len(self.watching) >= t.limits.Links {
			return "", quotaError("links and monitors", t.limits.Links)
		}
		switch op {
		case abi.OpMonitor:
			target.monitors[self] = struct{}{}
			self.watching[target] = struct{}{}
		case abi.OpUnmonitor:
			delete(target.monitors, self)
			delete(self.watching, target)
		case abi.OpLink:
			target.links[self] = struct{}{}
			self.links[target] = struct{}{}
		case abi.OpUnlink:
			delete(target.links, self)
			delete(self.links, target)
		}
	default:
		return "", vm.Errorf(abi.Invalid, "unknown control operation %d", op)
	}
	return "", nil
}

// cancelDeadlineExceeded is the exit error of a process that outlived the
// deadline of a process.cancel.
const cancelDeadlineExceeded = "cancel deadline exceeded"

// maxTimers bounds the pending timers of one process.
const maxTimers = 100_000

// maxDurationMs bounds deadlines and timers (a year): beyond it milliseconds
// overflow time.Duration.
const maxDurationMs = 365 * 24 * 3600 * 1000

// controlActions are the permissions of the control operations on a target.
var controlActions = map[abi.ControlOp]string{
	abi.OpTerminate: policies.ActionTerminate,
	abi.OpCancel:    policies.ActionCancel,
	abi.OpMonitor:   policies.ActionMonitor,
	abi.OpUnmonitor: policies.ActionUnmonitor,
	abi.OpLink:      policies.ActionLink,
	abi.OpUnlink:    policies.ActionUnlink,
}

func (in *instance) Registry(h uint32, op abi.RegistryOp, name, pid string) (string, *vm.Error) {
	self, err := in.caller(h)
	if err != nil {
		return "", err
	}
	return in.tenant.registry(self, op, name, pid)
}

// registry carries out a name registry operation of process self (of t).
func (t *Tenant) registry(self *process, op abi.RegistryOp, name, pid string) (string, *vm.Error) {
	var err *vm.Error
	if err := checkName(name); err != nil {
		return "", err
	}
	switch op {
	case abi.OpRegister:
		if err := self.checkAll(self.by().On(policies.ActionRegister, name)); err != nil {
			return "", err
		}
		target := self
		if pid != "" {
			if target, err = t.resolve(pid); err != nil {
				return "", err
			}
		}
		return "", t.register(name, target)
	case abi.OpLookup:
		p, err := t.resolve(name)
		if err != nil {
			return "", vm.Errorf(abi.NotFound, "no process registered as %s", name)
		}
		return p.pid, nil
	case abi.OpUnregister:
		if err := self.checkAll(self.by().On(policies.ActionUnregister, name)); err != nil {
			return "", err
		}
		if t.unregister(name) {
			return "1", nil
		}
		return "", nil
	}
	return "", vm.Errorf(abi.Invalid, "unknown registry operation %d", op)
}

func (in *instance) Source(h uint32, id string) (string, *vm.Error) {
	if _, err := in.caller(h); err != nil {
		return "", err
	}
	src, serr := in.tenant.source(id)
	if serr != nil {
		return "", &vm.Error{Status: serr.Status, Message: serr.Message}
	}
	return src.Text, nil
}

// Tick accounts CPU: a process past its tenant's total instruction budget
// is stopped with TIMEOUT.
func (in *instance) Tick(h uint32, ticks uint32) abi.Status {
	if limit := in.tenant.limits.CPUTotal; limit > 0 && h != 0 { // 0: the guest's scheduler, between activations
		p := in.process(h)
		if p == nil {
			return abi.Canceled
		}
		if p.ticks.Add(int64(ticks))*abi.TickInstructions > limit {
			return abi.Timeout
		}
	}
	// A tenant past its cpu_rate ends its turn; its instances wait for the
	// bucket to refill (shard.pop).
	if ticks > 0 {
		if in.tenant.cpu.spend(int64(ticks) * abi.TickInstructions) {
			return abi.Yield
		}
	} else if in.tenant.cpu.wait() > 0 {
		return abi.Yield
	}
	// More goroutines serving shards than processors: a relief server or a
	// woken shard goroutine waits for one, and Go cannot preempt this guest
	// until its 10 ms timeslice is over. Hand the processor on now.
	if rt := in.tenant.rt; rt.awake.Load() > rt.procs {
		runtime.Gosched()
	}
	// A busy instance gives way as soon as another has work on its shard:
	// a neighbour waits at most one tick, not a whole turn.
	if in.othersWaiting() {
		return abi.Yield
	}
	return abi.OK
}

func (in *instance) Log(h uint32, line string) {
	p := in.process(h)
	pid := ""
	if p != nil {
		pid = p.pid
	}
	in.tenant.rt.cfg.Log(in.tenant.name, pid, line)
}

func (in *instance) Consumed(counts []vm.Consumption) {
	for _, c := range counts {
		if p := in.process(c.Process); p != nil {
			if p.queued.Add(-int64(c.Count)) < 0 {
				p.queued.Store(0) // a guest cannot buy room by over-reporting
			}
		}
	}
}

func (in *instance) Timer(h uint32, id uint32, ms int64) {
	p := in.process(h)
	if p == nil || ms < 0 || ms > maxDurationMs {
		return
	}
	// Pending timers hold host memory until they fire: a process gets at
	// most maxTimers at once (the guest refuses more first, see
	// vm/lua_time.go), and its exit stops those still pending.
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.alive || len(p.timers) >= maxTimers {
		return
	}
	if p.timers == nil {
		p.timers = map[uint32]*time.Timer{}
	}
	p.timers[id] = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
		p.mu.Lock()
		delete(p.timers, id)
		alive := p.alive
		p.mu.Unlock()
		if alive {
			p.box.post(abi.RecordTimer, p, func(w *abi.RecordWriter) { w.Uint(uint64(id)) })
		}
	})
}
