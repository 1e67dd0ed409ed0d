package host

import "github.com/moonbox-runtime/moonbox/abi"

// mailbox is where the records for a process go: the instance its guest runs
// in (the records wait for the instance's next turn), or the queue of a
// Go-side process (see goprocess.go). Everything that reaches a process —
// messages, events, kills, call replies, timers — goes through post, so a
// Go-side process is reached, linked and monitored exactly like a Lua one.
type mailbox interface {
	// post queues one record (written by fill) for p. by is the instance
	// whose turn posts it, or nil (see shard.push).
	post(kind abi.RecordKind, p *process, fill func(w *abi.RecordWriter), by *instance)
	// postMessage queues a message record for p unless the bytes of records
	// waiting would pass limit with it (then it reports the backlog and
	// false): the check and the post under one lock, with no closure, since
	// every message takes this path.
	postMessage(p *process, from, topic string, payload []byte, limit int, by *instance) (backlog int, posted bool)
	// backlog is the bytes of records waiting to be taken.
	backlog() int
	// remove forgets p, which has exited.
	remove(p *process)
}

var (
	_ mailbox = (*instance)(nil)
	_ mailbox = (*goMailbox)(nil)
)
