package host

import "github.com/moonbox-runtime/moonbox/abi"

// An instance's START records wait in a queue of their own, and each turn
// takes the records for started processes first, then a few STARTs. A START
// carries its process's Lua source and costs the guest about 32 messages to
// apply (recordWork); queued in line with messages, a spawn storm's STARTs
// made a message wait for all of them (a ping-pong pair beside a fork bomb of
// the same tenant: 7 round trips in 5 s). The records for a process whose
// START still waits go in behind it, so every process still gets its records
// in the order they were posted: nothing reaches a process before its START,
// and a process's records move to the main queue only once none of its
// records is left in the starts queue.

// maxStartWork bounds the STARTs one turn applies, in recordWork units (8
// STARTs): the processes started run in the same turn, and a turn of
// hundreds of STARTs kept a started process's messages waiting for all of
// them. Spawning is not slower for it: a turn of few STARTs is followed at
// once by the next.
//
// While another tenant wants the processors (fairShare's contended), a turn
// applies one START. Applying one is work no tick can interrupt (~40 µs in
// the sandbox: the process, its thread and environment), so eight made a
// turn of ~300 µs, and a neighbour's message that arrived just after it
// began waited it out: a fork bomb with default limits left its neighbour
// 0.53x of its solo throughput with eight a turn, 0.66-0.70x with one
// (0.61-0.68x with two). Alone, a tenant keeps the eight: one a turn made
// a sandboxed spawn 15% slower and a native one 2.5x (the turn's own cost,
// paid per START).
const maxStartWork = 8 * 32

// writerFor is the queue a record of kind for p goes in (in.mu held).
func (in *instance) writerFor(kind abi.RecordKind, p *process) *abi.RecordWriter {
	if kind == abi.RecordStart || p.starting.Load() > 0 {
		p.starting.Add(1)
		return &in.starts
	}
	return &in.queue
}

// takeStarts moves a prefix of the starts queue into the batch of the turn
// (in.spare), within work (and maxStartWork) units; at least one record, so
// STARTs are not starved by a flood of messages (in.mu held).
func (in *instance) takeStarts(work int) {
	all := in.starts.Batch()
	if len(all) == 0 {
		return
	}
	most := maxStartWork
	if f := in.tenant.share; f != nil && in.tenant.rt.contended(f) {
		most = recordWork(abi.RecordStart)
	}
	n := abi.Prefix(all, maxBatch, min(work, most), recordWork)
	for b := all[:n]; len(b) > 0; {
		_, h, _, rest, err := abi.NextRecord(b)
		if err != nil {
			break // malformed: Prefix handed over the rest whole, the guest reports it
		}
		if p := in.procs[h]; p != nil {
			p.starting.Add(-1)
		}
		b = rest
	}
	in.spare.Append(all[:n])
	in.starts.Drop(n)
}
