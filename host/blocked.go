package host

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// A run whose processes all wait for each other never ends by itself: a
// process receives from an inbox nobody sends to, a call waits on a child
// that waits on its caller. moonbox run asks Blocked to say so at once
// instead of waiting for --timeout, and Report to say what each process
// waits on.

// quietness counts what can still wake a process without help from outside:
// timers and cancel deadlines not yet fired and posted. The turns run are
// counted per shard (shard.turns: a runtime-wide line written at every turn
// by every shard would be one more thing 32-64 cores contend on) and
// summed by turns.
type quietness struct {
	pending atomic.Int64 // armed timers whose record is not yet posted
}

// turns is the number of turns ended on every shard. The shards' counts
// only grow, so two sums are equal only if no shard's count moved between
// them.
func (rt *Runtime) turns() uint64 {
	var n uint64
	for _, s := range rt.shards {
		n += s.turns.Load()
	}
	return n
}

// afterFunc is time.AfterFunc for a timer that wakes a process (time.after,
// time.sleep, a cancel deadline): counted pending from now until fn has
// posted what it posts, so Blocked never sees a gap between the two.
func (rt *Runtime) afterFunc(d time.Duration, fn func()) *time.Timer {
	rt.quiet.pending.Add(1)
	return time.AfterFunc(d, func() {
		defer rt.quiet.pending.Add(-1)
		fn()
	})
}

// stopTimer stops a timer of afterFunc. One that already fired uncounts
// itself.
func (rt *Runtime) stopTimer(tm *time.Timer) {
	if tm.Stop() {
		rt.quiet.pending.Add(-1)
	}
}

// Blocked reports whether the runtime has live processes and none of them
// can ever run again unless something comes from outside it (Tenant.Send,
// Tenant.Spawn, a Go caller's terminate): no Go-side process exists (its
// code may send at any time), no Lua process is runnable, no
// record (message, event, start, kill) waits for an instance, no turn is
// running, and no timer or cancel deadline is pending.
//
// # Notes
//
// The answer is exact, not a guess from a quiet moment: everything that
// posts work is either a turn or a counted timer. A timer counts as pending
// until after its record is posted, and a turn is counted (shard.turns)
// after its effects and before its instance is seen idle; so if the turn
// count is the same before and after every instance was seen idle with no
// timer pending, nothing ran in between that could have made work.
func (rt *Runtime) Blocked() bool {
	before := rt.turns()
	if rt.quiet.pending.Load() > 0 {
		return false
	}
	rt.mu.RLock()
	live, tenants := rt.table.len(), append([]*Tenant(nil), rt.tenants...)
	rt.mu.RUnlock()
	if live == 0 {
		return false
	}
	for _, t := range tenants {
		if t.liveGo.Load() > 0 {
			return false // a Go-side process's code may send at any time
		}
		for _, in := range t.liveInstances() {
			in.mu.Lock()
			busy := in.queued
			in.mu.Unlock()
			in.shard.mu.Lock()
			busy = busy || in.running
			in.shard.mu.Unlock()
			if busy {
				return false
			}
		}
	}
	return rt.turns() == before
}

func (t *Tenant) liveInstances() []*instance {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []*instance
	for _, in := range t.instances {
		if in != nil {
			out = append(out, in)
		}
	}
	return out
}

// ProcessReport is one live process in a Report.
type ProcessReport struct {
	Tenant string
	PID    string
	Source string // the source ID it runs
	// Waits says what each of its tasks waits on, in the words of the Lua
	// API: "receive on its inbox", "process.call: waits for PID to exit",
	// "a timer (time.sleep or time.after)", "runnable". Its main function
	// first, then its coroutine.spawn tasks. Empty when the guest could not
	// be asked in time (a turn that did not end).
	Waits []string
	// Mailbox is the number of messages sent to it that it has not taken.
	Mailbox int64
	// Timers is the number of its timers pending in the host.
	Timers int
}

// reportWait bounds how long Report waits for an instance to be between
// turns; after it the instance's processes are listed without their waits.
const reportWait = time.Second

// Report lists every live Lua process (not the Go-side ones), ordered by
// tenant and PID, with what it waits on. It asks each instance between two turns, so a run that is not
// blocked goes on meanwhile and the report is a snapshot per instance.
func (rt *Runtime) Report() []ProcessReport {
	rt.mu.RLock()
	tenants := append([]*Tenant(nil), rt.tenants...)
	rt.mu.RUnlock()
	var out []ProcessReport
	for _, t := range tenants {
		for _, in := range t.liveInstances() {
			out = append(out, in.report()...)
		}
	}
	slices.SortFunc(out, func(a, b ProcessReport) int {
		if a.Tenant != b.Tenant {
			if a.Tenant < b.Tenant {
				return -1
			}
			return 1
		}
		return comparePIDs(a.PID, b.PID)
	})
	return out
}

// report lists in's live processes with what the guest says they wait on.
func (in *instance) report() []ProcessReport {
	waits := make(chan []vm.ProcessWaits, 1)
	go in.shard.call(func() {
		in.mu.Lock()
		crashed := in.crashed
		in.mu.Unlock()
		var ws []vm.ProcessWaits
		if !crashed {
			ws = in.g.Waits()
		}
		waits <- ws
	})
	byHandle := map[uint32][]string{}
	select {
	case ws := <-waits:
		for _, w := range ws {
			byHandle[w.Process] = w.Waits
		}
	case <-time.After(reportWait):
	case <-in.tenant.rt.done:
	}
	in.mu.Lock()
	procs := make([]*process, 0, len(in.procs))
	for _, p := range in.procs {
		procs = append(procs, p)
	}
	in.mu.Unlock()
	var out []ProcessReport
	for _, p := range procs {
		p.mu.Lock()
		r := ProcessReport{Tenant: in.tenant.name, PID: p.pid, Source: p.id, Waits: byHandle[p.handle],
			Mailbox: p.queued.Load(), Timers: len(p.rel().timers)}
		alive := p.alive
		p.mu.Unlock()
		if alive && p.ready.Load() {
			out = append(out, r)
		}
	}
	return out
}

// comparePIDs orders PIDs by their sequence number: spawn order.
func comparePIDs(a, b string) int {
	pa, okA := parsePID(a)
	pb, okB := parsePID(b)
	if okA && okB && pa.seq != pb.seq {
		if pa.seq < pb.seq {
			return -1
		}
		return 1
	}
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
