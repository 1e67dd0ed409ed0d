package moonbox

import "github.com/moonbox-runtime/moonbox/host"

// Stats is what a tenant is doing: totals since it was deployed (rates are
// differences between two readings) and its memory now.
type Stats struct {
	Processes    int64 // live now, Go-side processes included
	Spawns       int64 // processes started
	Messages     int64 // messages delivered to its processes
	Instructions int64 // Lua instructions run (counted in steps of 2,000)
	Denials      int64 // requests its policy refused
	Abnormal     int64 // abnormal exits, limit kills included
	LimitKills   int64 // processes ended by a limit
	// Instances is the number of sandbox (or native) instances it has, one
	// per shard it has processes on.
	Instances int
	// Memory is its guest heap in use, over its instances, in bytes; Linear
	// their linear memory (both 0 in native mode, where the guest shares the
	// host's heap).
	Memory, Linear uint64
}

// Stats reads the tenant's figures. Reading memory waits for each of its
// instances to be between turns: call it every second or so, not in a loop.
func (t *Tenant) Stats() Stats {
	c := t.t.Counters()
	s := Stats{Processes: c.Processes, Spawns: c.Spawns, Messages: c.Messages, Instructions: c.Instructions,
		Denials: c.Denials, Abnormal: c.Abnormal, LimitKills: c.LimitKills}
	for _, in := range t.t.Stats(false) {
		s.Instances++
		s.Memory += in.Heap
		s.Linear += in.Linear
	}
	return s
}

// ProcessInfo describes one live process in a top list.
type ProcessInfo = host.ProcessInfo

// Top lists at most n of the tenant's live processes that have run the most
// Lua instructions, and at most n with the most messages queued. It walks
// the runtime's process table once.
func (t *Tenant) Top(n int) (cpu, mailbox []ProcessInfo) { return t.t.Top(n) }
