package host

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// process is the host's record of a live process.
type process struct {
	pid   string
	id    string // source ID it runs (changes on upgrade)
	actor string // security actor: its source ID unless set by its spawner
	// actorMeta is the meta table its spawner gave the actor (wire format),
	// "" when none: security.actor():meta().
	actorMeta string
	scope     []string
	tenant    *Tenant
	box       mailbox  // where its records go: its instance, or a Go-side process's queue
	lineage   string   // its place in the spawn tree (childLineage); never changed
	caller    *process // set for process.call: gets a RecordReply at exit
	onExit    func(Exit)
	ticks     atomic.Int64 // CPU used, in ticks of abi.TickInstructions
	queued    atomic.Int64 // messages queued for it (mailbox length)
	handle    uint32
	depth     int32        // process.call nesting: 0 unless spawned by call
	ready     atomic.Bool  // its START is queued: it may be named and reached
	starting  atomic.Int32 // its records in its instance's starts queue (changed under instance.mu; starts.go)
	// trusted is set for the Go-side processes through which the embedding
	// application acts on a tenant (Tenant.Send, Call, Exec): they act with
	// the host's authority, so policy checks do not apply to what they do.
	trusted bool
	// stripe is its slot in the tenant's striped counters: its shard (a
	// Go-side process's, by the same hash), so that what one process
	// counts is written where its shard's goroutine writes.
	stripe uint16

	// The small fields sit side by side, so that they share words (with
	// the ties apart, a process is a 208-byte allocation).
	alive     bool
	trapLinks bool
	mu        sync.Mutex // guards alive, trapLinks and the fields below
	// resources are the names a rule may give it as a target, its PID and
	// source ID (checkOn): made on first use and replaced, never changed in
	// place, when its source ID changes, so a send does not allocate them.
	resources *[2]string
	// ties are its links, monitors, names and timers, nil while it has
	// none: read through rel(), written through tie().
	ties *processTies
}

// processTies is what relates a process to others and to time: most
// processes have none of it, and kept apart (with resources one pointer, and
// a parent field nothing read gone) a process is a 208-byte allocation, not
// 320. The sets of links and monitors are made with their first member
// (relate): three empty maps were an idle process's largest share of the
// host's memory after the struct.
type processTies struct {
	monitors map[*process]struct{} // processes monitoring this one
	watching map[*process]struct{} // processes this one monitors
	links    map[*process]struct{}
	names    []string
	timers   map[uint32]*time.Timer // pending time.after/sleep timers, by guest timer id
}

// noTies is the ties of a process that has none: empty, never written.
var noTies = &processTies{}

// rel is p's ties to read (p.mu held).
func (p *process) rel() *processTies {
	if p.ties == nil {
		return noTies
	}
	return p.ties
}

// tie is p's own ties, to write, made on first use (p.mu held).
func (p *process) tie() *processTies {
	if p.ties == nil {
		p.ties = &processTies{}
	}
	return p.ties
}

// relate adds q to the set *m, making the set with its first member (the
// owners' locks held).
func relate(m *map[*process]struct{}, q *process) {
	if *m == nil {
		*m = map[*process]struct{}{}
	}
	(*m)[q] = struct{}{}
}

// Exit is how a process ended: Value (CBOR) on a normal exit, Kind and Error
// on an abnormal one, with the error object's retryable flag and details.
type Exit struct {
	PID      string
	Abnormal bool
	Value    []byte    // CBOR; nil when abnormal
	Kind     string    // error kind when abnormal
	Error    string    // error message when abnormal
	Retry    abi.Retry // the error's retryable flag, when abnormal
	Details  []byte    // the error's details (a table, CBOR), nil when none
}

// errorObject is an abnormal exit's error as an error object: what a
// process.call gets back, whole.
func (e Exit) errorObject() []byte {
	status, _ := abi.StatusOf(e.Kind)
	return abi.AppendErrorObject(nil, abi.ErrorObject{Kind: status.Kind(), Message: e.Error, Retry: e.Retry, Details: e.Details})
}

// result is the EXIT/LINK_DOWN event's result table: {value = v} or {error = msg}.
func (e Exit) result() []byte {
	b := abi.AppendMap(nil, 1)
	if e.Abnormal {
		return abi.AppendString(abi.AppendString(b, "error"), e.Error)
	}
	v := e.Value
	if len(v) == 0 {
		v = abi.AppendNull(nil)
	}
	return append(abi.AppendString(b, "value"), v...)
}

// exitOf decodes the exit import's value.
func exitOf(pid string, abnormal bool, value []byte) Exit {
	e := Exit{PID: pid, Abnormal: abnormal}
	if !abnormal {
		if abi.Validate(value) != nil {
			value = abi.AppendNull(nil)
		}
		e.Value = append([]byte(nil), value...)
		return e
	}
	e.Kind, e.Error = abi.Unknown.Kind(), "process failed"
	d := abi.NewDecoder(value)
	if tag, err := d.Next(); err == nil && tag.Type == abi.TypeTag && tag.Int == abi.TagError {
		// Both forms: [kind, message] and [kind, message, retryable, details].
		if o, err := d.ReadError(0); err == nil && d.Remaining() == 0 {
			if s, known := abi.StatusOf(o.Kind); known {
				e.Kind = s.Kind()
			}
			e.Error, e.Retry = o.Message, o.Retry
			if len(o.Details) > 0 {
				e.Details = append([]byte(nil), o.Details...)
			}
		}
	}
	return e
}

// linkCount is the number of links and monitors p holds.
func (p *process) linkCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.rel().links) + len(p.rel().watching)
}

// instance is the instance p's guest runs in: nil for a Go-side process
// (and for no process).
func (p *process) instance() *instance {
	if p == nil {
		return nil
	}
	in, _ := p.box.(*instance)
	return in
}

func (p *process) isAlive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.alive
}

// lockPair locks two processes in a fixed order (by address of pid string
// content: the PID sequence), so concurrent links cannot deadlock.
func lockPair(a, b *process) func() {
	if a == b {
		a.mu.Lock()
		return a.mu.Unlock
	}
	if a.pid > b.pid {
		a, b = b, a
	}
	a.mu.Lock()
	b.mu.Lock()
	return func() { b.mu.Unlock(); a.mu.Unlock() }
}
