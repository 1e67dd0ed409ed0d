package host

import (
	"cmp"
	"slices"
	"sync/atomic"

	"github.com/moonbox-runtime/moonbox/abi"
)

// counters are a tenant's running totals. Each is one atomic add where the
// thing happens (a spawn, a delivery, a tick of 2,000 instructions, a
// refusal, an exit), so reading them costs the hot paths nothing more. The
// two that count per message and per tick are striped per shard.
type counters struct {
	messages, instructions striped
	spawns, denials        atomic.Int64
	abnormal, limitKills   atomic.Int64
}

func (c *counters) exited(e Exit) {
	if e.Abnormal {
		c.abnormal.Add(1)
		if e.LimitKill() {
			c.limitKills.Add(1)
		}
	}
}

// Counters are a tenant's totals since it was added: rates are differences
// between two readings.
type Counters struct {
	Processes    int64 // live now, Go-side processes included
	Spawns       int64 // processes started
	Messages     int64 // messages delivered to its processes
	Instructions int64 // Lua instructions run, in steps of abi.TickInstructions
	Denials      int64 // requests its policy refused
	Abnormal     int64 // abnormal exits, limit kills included
	LimitKills   int64 // processes ended by a limit (Exit.LimitKill)
}

// Counters reads the tenant's totals, without stopping anything.
func (t *Tenant) Counters() Counters {
	c := &t.counters
	return Counters{
		Processes: t.live.Load(), Spawns: c.spawns.Load(), Messages: c.messages.load(),
		Instructions: c.instructions.load(), Denials: c.denials.Load(),
		Abnormal: c.abnormal.Load(), LimitKills: c.limitKills.Load(),
	}
}

// ProcessInfo describes one live process for a top list.
type ProcessInfo struct {
	PID, Source  string
	Instructions int64 // run so far
	Mailbox      int64 // messages queued for it
	Go           bool  // a Go-side process
}

// Top lists at most n of the tenant's live processes that have run the most
// instructions, and at most n with the fullest mailboxes. It walks the
// process table once: for a console or an operator, not a hot path.
func (t *Tenant) Top(n int) (cpu, mailbox []ProcessInfo) {
	var all []ProcessInfo
	for _, p := range t.members() {
		p.mu.Lock()
		id := p.id
		p.mu.Unlock()
		_, isGo := p.box.(*goMailbox)
		all = append(all, ProcessInfo{PID: p.pid, Source: id, Instructions: p.ticks.Load() * abi.TickInstructions,
			Mailbox: p.queued.Load(), Go: isGo})
	}
	top := func(key func(ProcessInfo) int64) []ProcessInfo {
		slices.SortFunc(all, func(a, b ProcessInfo) int { return cmp.Or(cmp.Compare(key(b), key(a)), cmp.Compare(a.PID, b.PID)) })
		var out []ProcessInfo
		for _, p := range all[:min(n, len(all))] {
			if key(p) > 0 {
				out = append(out, p)
			}
		}
		return out
	}
	cpu = top(func(p ProcessInfo) int64 { return p.Instructions })
	mailbox = top(func(p ProcessInfo) int64 { return p.Mailbox })
	return cpu, mailbox
}
