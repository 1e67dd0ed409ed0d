package host

import (
	"runtime"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// The methods in this file implement abi.Host for an instance: they are the
// ABI imports, called on the instance's shard goroutine while it runs a step.
// Each one distrusts its caller: the handle must name a live process of this
// instance, every string is checked, and nothing blocks.

var _ abi.Host = (*instance)(nil)

var errUnknownCaller = abi.Errorf(abi.Invalid, "unknown calling process")

// caller resolves the calling handle.
func (in *instance) caller(h uint32) (*process, *abi.Error) {
	p := in.process(h)
	if p == nil {
		return nil, errUnknownCaller
	}
	return p, nil
}

func (in *instance) Spawn(h uint32, req []byte) (string, *abi.Error) {
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

func (in *instance) Send(h uint32, dest, topic string, payload []byte) (uint32, *abi.Error) {
	from, err := in.caller(h)
	if err != nil {
		return 0, err
	}
	// A turn that sends again after giving a sleeping shard work is a
	// stream, not a hop: the shard is woken now (steal.go).
	if sv := in.stepper.Load(); sv != nil && sv.owing.Load() {
		sv.pay()
	}
	return in.tenant.send(from, in, dest, topic, payload)
}

func (in *instance) Exit(h uint32, abnormal bool, value []byte) {
	p := in.process(h)
	if p == nil {
		return
	}
	in.tenant.rt.exited(p, exitOf(p.pid, abnormal, value))
}

func (in *instance) Control(h uint32, op abi.ControlOp, dest string, arg int64) (string, *abi.Error) {
	self, err := in.caller(h)
	if err != nil {
		return "", err
	}
	return in.tenant.control(self, op, dest, arg)
}

// maxTimers bounds the pending timers of one process.
const maxTimers = 100_000

func (in *instance) Registry(h uint32, op abi.RegistryOp, name, pid string) (string, *abi.Error) {
	self, err := in.caller(h)
	if err != nil {
		return "", err
	}
	return in.tenant.registry(self, op, name, pid)
}

func (in *instance) Source(h uint32, id string) (string, *abi.Error) {
	if _, err := in.caller(h); err != nil {
		return "", err
	}
	src, serr := in.tenant.source(id)
	if serr != nil {
		return "", serr
	}
	return src.Text, nil
}

// Tick accounts CPU: a process past its tenant's total instruction budget
// is stopped with TIMEOUT.
func (in *instance) Tick(h uint32, ticks uint32) abi.Status {
	in.tenant.counters.instructions.add(in.stripe(), int64(ticks)*abi.TickInstructions)
	// The turn gave a sleeping shard work and is still busy: that shard's
	// goroutine is woken now (steal.go).
	if sv := in.stepper.Load(); sv != nil && sv.owing.Load() {
		sv.pay()
	}
	if h != 0 { // 0: the guest's scheduler, between activations
		limit := in.tenant.limits.CPUTotal
		p := in.process(h)
		if p == nil {
			if limit > 0 {
				return abi.Canceled
			}
		} else if used := p.ticks.Add(int64(ticks)); limit > 0 && used*abi.TickInstructions > limit {
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
	// a neighbour waits at most one tick, not a whole turn. (A turn stolen
	// by another shard's goroutine does not give way to that shard's work:
	// that cut a one-way stream's receiver short at every ack, and native
	// other-shard send fell to 0.56-0.86x; the thief's shard gets a relief
	// server instead once the stolen turn outlasts stealGrace.)
	if in.othersWaiting() {
		return abi.Yield
	}
	// Records came for its processes: end the turn so that the next one
	// takes them. A message from another shard to a process beside a busy
	// one (a ping-pong pair beside a fork bomb of the same tenant) waits
	// one tick, not a whole cpu_turn.
	if in.mailWaiting() {
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

func (in *instance) Consumed(counts []abi.Consumption) {
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
	if p == nil || ms < 0 || ms > abi.MaxDurationMs {
		return
	}
	// Pending timers hold host memory until they fire: a process gets at
	// most maxTimers at once (the guest refuses more first, see
	// vm/lua_time.go), and its exit stops those still pending.
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.alive || len(p.rel().timers) >= maxTimers {
		return
	}
	ties := p.tie()
	if ties.timers == nil {
		ties.timers = map[uint32]*time.Timer{}
	}
	ties.timers[id] = in.tenant.rt.afterFunc(time.Duration(ms)*time.Millisecond, func() {
		p.mu.Lock()
		delete(p.rel().timers, id)
		alive := p.alive
		p.mu.Unlock()
		if alive {
			p.box.post(abi.RecordTimer, p, func(w *abi.RecordWriter) { w.Uint(uint64(id)) }, nil)
		}
	})
}
