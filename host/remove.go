package host

import (
	"context"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// ReasonRemoved is the exit error of the processes RemoveTenant ends.
const ReasonRemoved = "tenant removed"

// firstHost is the host ID Go-side processes and spawns without a host use.
func (t *Tenant) firstHost() string { return t.hostList[0] }

// sourcePath checks that id is a well-formed source ID.
func (t *Tenant) sourcePath(id string) (string, *abi.Error) {
	rel, err := tenants.SourcePath(id)
	if err != nil {
		return "", abi.Errorf(abi.Invalid, "%v", err)
	}
	return rel, nil
}

func (t *Tenant) isRemoved() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removed
}

// Live is the number of the tenant's live processes.
func (t *Tenant) Live() int { return int(t.live.Load()) }

// members lists the tenant's live processes.
func (t *Tenant) members() []*process {
	var ps []*process
	t.rt.table.each(func(p *process) {
		if p.tenant == t {
			ps = append(ps, p)
		}
	})
	return ps
}

// Cancel sends every live process of the tenant a CANCEL event with the
// deadline (zero: none), as process.cancel does: a process that has not
// exited by then is terminated. It is how a graceful stop starts.
func (t *Tenant) Cancel(deadline time.Time) {
	ms := uint64(0)
	if !deadline.IsZero() {
		ms = uint64(deadline.UnixMilli())
	}
	for _, p := range t.members() {
		t.rt.event(p, abi.EventCancel, "", nil, ms)
	}
}

// RemoveTenant ends the tenant: nothing new starts in it, its processes get CANCEL
// with ctx's deadline and are waited for until ctx ends; those still alive
// then are terminated and, if their instance does not end them in a moment,
// their instance is discarded. Its names are released and its instances
// freed; the tenant leaves the runtime. Monitors of its processes in other
// Go code see their exits.
func (rt *Runtime) RemoveTenant(ctx context.Context, t *Tenant) {
	t.mu.Lock()
	t.removed = true
	t.mu.Unlock()
	deadline, _ := ctx.Deadline()
	t.Cancel(deadline)
	t.waitEmpty(ctx)
	for _, p := range t.members() {
		if _, isGo := p.box.(*goMailbox); !isGo { // Go-side processes end last: they may be watching
			rt.kill(p, abi.Canceled, ReasonRemoved)
		}
	}
	kctx, cancel := context.WithTimeout(context.Background(), killWait)
	t.waitEmpty(kctx)
	cancel()
	t.mu.Lock()
	instances := append([]*instance(nil), t.instances...)
	for i := range t.instances {
		t.instances[i] = nil
	}
	t.mu.Unlock()
	for _, in := range instances {
		if in != nil {
			in.discard()
		}
	}
	for _, p := range t.members() { // Go-side processes, and any a discarded instance did not end
		rt.exited(p, Exit{PID: p.pid, Abnormal: true, Kind: abi.Canceled.Kind(), Error: ReasonRemoved})
	}
	rt.mu.Lock()
	for i, x := range rt.tenants {
		if x == t {
			rt.tenants = append(rt.tenants[:i], rt.tenants[i+1:]...)
			break
		}
	}
	rt.mu.Unlock()
}

// killWait is how long RemoveTenant waits for terminated processes to end
// before it discards their instances.
const killWait = time.Second

// waitEmpty waits until the tenant has no live Lua process or ctx ends.
// Go-side processes are the application's: they are ended last, without
// waiting for them.
func (t *Tenant) waitEmpty(ctx context.Context) {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for t.live.Load()-t.liveGo.Load() > 0 {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// discard closes an instance between turns of its shard; the processes
// still in it exit abnormally.
func (in *instance) discard() {
	var procs []*process
	in.shard.call(func() {
		in.mu.Lock()
		in.crashed = true
		in.mail.Store(true) // not idle (idleFor)
		for _, p := range in.procs {
			procs = append(procs, p)
		}
		in.mu.Unlock()
		in.g.Close()
	})
	for _, p := range procs {
		in.tenant.rt.exited(p, Exit{PID: p.pid, Abnormal: true, Kind: abi.Canceled.Kind(), Error: ReasonRemoved})
	}
}
