package host

import (
	"math"
	"sync/atomic"
)

// striped is a running total written from every shard: one slot of its own
// cache lines per shard, summed when read (rarely: Tenant.Counters). A
// tenant busy on every core would otherwise have all its senders write one
// cache line per message, and on 32-64 cores that line alone, bouncing
// between them, bounds the tenant's message rate.
type striped struct {
	slots []stripe
	other atomic.Int64 // a slot past the end (a tenant made by hand in a test)
}

// stripe is one shard's slot, alone on two cache lines (processors fetch
// adjacent lines in pairs).
type stripe struct {
	n atomic.Int64
	_ [120]byte
}

func newStriped(shards int) striped { return striped{slots: make([]stripe, shards)} }

// stripeOf is the slot of a shard.
func stripeOf(shard int) uint16 { return uint16(min(shard, math.MaxUint16)) }

// stripe is the slot of the instance's shard.
func (in *instance) stripe() uint16 {
	if in.shard == nil {
		return math.MaxUint16
	}
	return stripeOf(in.shard.id)
}

// add adds d to slot i.
func (s *striped) add(i uint16, d int64) {
	if int(i) < len(s.slots) {
		s.slots[i].n.Add(d)
		return
	}
	s.other.Add(d)
}

func (s *striped) load() int64 {
	n := s.other.Load()
	for i := range s.slots {
		n += s.slots[i].n.Load()
	}
	return n
}
