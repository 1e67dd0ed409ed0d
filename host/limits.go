package host

import (
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// Limits are a tenant's quotas. Zero fields take the defaults of
// DefaultLimits. Each broken limit fails the call that broke it (or ends the
// process that broke it), never a neighbour.
type Limits struct {
	Processes       int   // live processes of the tenant; spawn beyond is RATE_LIMITED
	SpawnsPerSecond int   // sustained spawn rate (bursts up to one second's worth); beyond is RATE_LIMITED
	Mailbox         int   // messages queued for one process; a send beyond is UNAVAILABLE
	Payload         int   // bytes of one message payload or spawn request; beyond is INVALID
	Names           int   // registered names of the tenant; beyond is RATE_LIMITED
	Links           int   // links plus monitors of one process; beyond is RATE_LIMITED
	CallDepth       int   // nested process.call depth; beyond is RATE_LIMITED
	CPUTotal        int64 // Lua instructions one process may run in all (0: unlimited); beyond it exits with TIMEOUT
}

// DefaultLimits are the quotas of a tenant that sets none.
func DefaultLimits() Limits {
	return Limits{
		Processes:       100_000,
		SpawnsPerSecond: 100_000,
		Mailbox:         10_000,
		Payload:         abi.MaxPayload,
		Names:           100_000,
		Links:           10_000,
		CallDepth:       32,
	}
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	fill := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	fill(&l.Processes, d.Processes)
	fill(&l.SpawnsPerSecond, d.SpawnsPerSecond)
	fill(&l.Mailbox, d.Mailbox)
	fill(&l.Payload, d.Payload)
	fill(&l.Names, d.Names)
	fill(&l.Links, d.Links)
	fill(&l.CallDepth, d.CallDepth)
	if l.Payload > abi.MaxPayload {
		l.Payload = abi.MaxPayload
	}
	return l
}

// rateLimiter is a token bucket: rate tokens per second, holding at most
// one second's worth.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond int) *rateLimiter {
	return &rateLimiter{rate: float64(perSecond), tokens: float64(perSecond), last: time.Now()}
}

func (r *rateLimiter) allow() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.tokens += now.Sub(r.last).Seconds() * r.rate
	if r.tokens > r.rate {
		r.tokens = r.rate
	}
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}

func quotaError(what string, limit int) *vm.Error {
	return vm.Errorf(abi.RateLimited, "%s quota of %d reached", what, limit)
}
