package host

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// guest is a running guest runtime: a wasm sandbox instance or, in native
// mode, the vm compiled into the host.
type guest interface {
	Step(batch []byte, budget int64) (more bool, err error)
	// Memory is the guest heap in use and the linear memory size, in bytes
	// (zero in native mode, where the guest shares the host's heap).
	Memory(collect bool) (heap, linear uint64)
	// Diagnostics is what the guest wrote to stderr, for a crash report.
	Diagnostics() string
	// Waits is what each live process's tasks wait on (between steps only).
	Waits() []vm.ProcessWaits
	Close()
}

// instance is one guest serving one tenant on one shard. Its queues hold the
// records waiting for its next turn; each process's part of them, in order,
// is the process's mailbox. START records wait in a queue of their own
// (starts.go), so a message is not stuck behind a spawn storm's starts.
type instance struct {
	tenant *Tenant
	shard  *shard
	g      guest

	mu      sync.Mutex
	queue   abi.RecordWriter // records for started processes
	starts  abi.RecordWriter // STARTs, and the records of processes whose START waits there
	spare   abi.RecordWriter
	queued  bool // in its shard's run queue (or about to be stepped again)
	crashed bool
	procs   map[uint32]*process // changed under mu and procsMu both
	next    uint32

	// procsMu guards procs for the lookup of a handle the guest passes,
	// which takes only it: every send looks its sender up, and mu is also
	// taken by every poster from other shards, so a lookup under mu made
	// the instance's lock a line that moved between cores per message
	// (the stream's sender here, the posts from there).
	procsMu sync.Mutex
	// mail: records wait in queue for started processes, or the instance
	// crashed. Set under mu, read without it where only a hint or a
	// linearizable read is needed (idleFor, mailWaiting: every local send
	// and every tick).
	mail atomic.Bool

	// The shard's run queue keeps these, under the shard's lock.
	vruntime time.Duration // shard time used (see runQueue)
	arrival  uint64
	runIndex int         // position in the run queue, -1 when not in it
	waiting  atomic.Bool // in the run queue: readable without the lock
	running  bool        // a server is taking a turn of it (shard.mu)
	requeue  bool        // popped while running: its server queues it again (shard.mu)

	// handedTurn: its tenant's fair share handed it a turn (fairShare.mu).
	handedTurn bool

	// stepper is the shard goroutine taking a turn of it, while that is a
	// shard's own goroutine (not a relief server): posts made by the turn
	// may leave waking a sleeping shard to it (steal.go).
	stepper atomic.Pointer[server]
}

func (in *instance) add(p *process) {
	in.mu.Lock()
	in.next++
	p.handle = in.next
	p.box = in
	in.procsMu.Lock()
	in.procs[p.handle] = p
	in.procsMu.Unlock()
	in.mu.Unlock()
}

// process returns the live process behind a handle the guest passed: the
// guest is not trusted to name only its own processes.
func (in *instance) process(h uint32) *process {
	in.procsMu.Lock()
	defer in.procsMu.Unlock()
	return in.procs[h]
}

func (in *instance) remove(p *process) {
	in.mu.Lock()
	in.procsMu.Lock()
	delete(in.procs, p.handle)
	in.procsMu.Unlock()
	in.mu.Unlock()
}

// post appends one record (written by fill) for process p and schedules the
// instance; by is the instance whose turn posts it, or nil (see shard.push).
func (in *instance) post(kind abi.RecordKind, p *process, fill func(w *abi.RecordWriter), by *instance) {
	in.postAndPublish(kind, p, fill, nil, by)
}

// postAndPublish is post, also running publish while the record is queued
// but before the instance can be stepped or other records queued.
func (in *instance) postAndPublish(kind abi.RecordKind, p *process, fill func(w *abi.RecordWriter), publish func(), by *instance) {
	in.mu.Lock()
	if in.crashed {
		in.mu.Unlock()
		return
	}
	if publish != nil {
		publish()
	}
	w := in.writerFor(kind, p)
	w.Begin(kind, p.handle)
	fill(w)
	w.End()
	in.noteMail(w)
	schedule := !in.queued
	in.queued = true
	in.mu.Unlock()
	if schedule {
		in.shard.push(in, by)
	}
}

func (in *instance) postMessage(p *process, from, topic string, payload []byte, limit int, by *instance) (int, bool) {
	in.mu.Lock()
	if in.crashed {
		in.mu.Unlock()
		return 0, true // dropped, as post drops it: the process is ending
	}
	if n := in.queue.Len() + in.starts.Len(); n+len(payload) > limit {
		in.mu.Unlock()
		return n, false
	}
	w := in.writerFor(abi.RecordMessage, p)
	w.Begin(abi.RecordMessage, p.handle)
	w.String(from)
	w.String(topic)
	w.Bytes(payload)
	w.End()
	in.noteMail(w)
	schedule := !in.queued
	in.queued = true
	in.mu.Unlock()
	if schedule {
		in.shard.push(in, by)
	}
	return 0, true
}

// noteMail sets mail after a record was written to w (in.mu held).
func (in *instance) noteMail(w *abi.RecordWriter) {
	if w == &in.queue && !in.mail.Load() {
		in.mail.Store(true)
	}
}

// idleFor reports whether no record waits for started processes of the
// instance and p has started, so a message from one of its processes to p
// may skip the queue: called during the instance's step, whose records were
// all applied before any of its processes ran. STARTs waiting for other
// processes do not hold a message back.
func (in *instance) idleFor(p *process) bool {
	return !in.mail.Load() && p.starting.Load() == 0
}

// mailWaiting reports whether records wait for the instance's started
// processes: a busy turn ends at its next tick so that they are taken
// (instance.Tick), and a message from another shard waits a tick, not a turn.
func (in *instance) mailWaiting() bool {
	return in.mail.Load()
}

// maxBacklog bounds the bytes of records waiting in the host for one
// instance's next turn: mailboxes are bounded in messages, and messages of up
// to a megabyte each, sent faster than their instance takes them, would
// otherwise pile up in host memory that no tenant limit counts. A send that
// would pass it fails with UNAVAILABLE, as one to a full mailbox does.
const maxBacklog = 64 << 20

// othersWaiting reports whether another instance waits for the shard. The
// instance itself is queued while it runs when its processes message each
// other: that is not contention.
func (in *instance) othersWaiting() bool {
	n := in.shard.waiting.Load()
	if in.waiting.Load() {
		n--
	}
	return n > 0
}

// backlog is the bytes of records waiting for the instance's next turn.
func (in *instance) backlog() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.queue.Len() + in.starts.Len()
}

// maxBatch bounds the bytes of records one turn hands to a guest, and, when
// other instances wait for the shard, maxBatchWork bounds their work, in
// recordWork units: applying records is guest work the instruction budget
// does not see (in the sandbox ~10 µs a message, more for a start or a kill:
// see recordWork), and a flood queued for one instance must not make one
// turn of it long while its shard's other instances wait.
// (Bounding it always halved native send16 throughput: more, smaller turns.)
const (
	maxBatch     = 64 << 10
	maxBatchWork = 64
)

// recordWork is what applying one record costs the guest, in messages: a
// start builds a task, its thread and environment and runs it up to its
// first block (~150 µs in the sandbox); a kill unwinds a process, raising
// through its stack, and reports its exit (~80 µs).
func recordWork(kind abi.RecordKind) int {
	switch kind {
	case abi.RecordStart:
		return 32
	case abi.RecordKill:
		return 8
	}
	return 1
}

// turn runs one step of the instance on its shard's goroutine. Its budget
// is the tenant's cpu_turn. It reports whether the instance has more work
// and must be queued again (by the shard, once the turn is accounted), and
// whether its processes were still runnable when the step ended (bound by
// the processor; records that came in during the step are not its own
// work: fairShare.busy).
func (in *instance) turn() (again, busy bool) {
	in.mu.Lock()
	if in.crashed {
		in.mu.Unlock()
		return false, false
	}
	rest := false
	all := in.queue.Batch()
	work := maxBatchWork
	if !in.othersWaiting() {
		work = math.MaxInt // nobody waits for the shard: only bytes bound the turn
	}
	if n := abi.Prefix(all, maxBatch, work, recordWork); n == len(all) {
		in.queue, in.spare = in.spare, in.queue
	} else {
		in.spare.Append(all[:n])
		in.queue.Drop(n)
	}
	in.takeStarts(work)
	in.mail.Store(in.queue.Len() > 0)
	rest = in.queue.Len() > 0 || in.starts.Len() > 0
	// While queued is set, posters leave the queueing to this turn.
	in.queued = rest
	in.mu.Unlock()
	batch := in.spare.Batch()
	more, err := in.g.Step(batch, in.tenant.limits.CPUTurn)
	in.spare.Reset()
	if cap(in.spare.Batch()) > 4*maxBatch {
		in.spare = abi.RecordWriter{} // a flood's buffer is not kept for good
	}
	if err != nil {
		in.crash(err)
		return false, false
	}
	if more && !rest {
		in.mu.Lock()
		again = !in.queued // a record posted during the step queued it already
		in.queued = true
		in.mu.Unlock()
	}
	return again || rest, more
}

// crash discards an instance whose guest failed (a trap: out of memory, a
// guest fatal error). Every process in it exits abnormally, so monitors and
// links hear of it; the tenant's next spawn on this shard gets a new instance.
func (in *instance) crash(err error) {
	in.mu.Lock()
	in.crashed = true
	in.mail.Store(true) // not idle (idleFor)
	procs := make([]*process, 0, len(in.procs))
	for _, p := range in.procs {
		procs = append(procs, p)
	}
	in.mu.Unlock()
	in.tenant.dropInstance(in)
	in.g.Close()
	reason := fmt.Sprintf("sandbox crashed: %v", err)
	in.tenant.rt.cfg.Warn(in.tenant.name, fmt.Sprintf("instance on shard %d discarded, %d processes ended (%s): %s%s", in.shard.id, len(procs), pidList(procs), reason, in.g.Diagnostics()))
	for _, p := range procs {
		in.tenant.rt.exited(p, Exit{PID: p.pid, Abnormal: true, Kind: abi.Internal.Kind(), Error: reason})
	}
}

// pidList names the processes a crash ended, the first ten of them: a trap
// is a bug to be found, and the log must say whom it hit.
func pidList(procs []*process) string {
	var b strings.Builder
	for i, p := range procs {
		if i == 10 {
			fmt.Fprintf(&b, " and %d more", len(procs)-10)
			break
		}
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(p.pid)
	}
	return b.String()
}
