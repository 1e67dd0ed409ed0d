package host

import (
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

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

func quotaError(what string, limit int) *abi.Error {
	return abi.Errorf(abi.RateLimited, "%s quota of %d reached", what, limit)
}

// LimitKill reports whether the exit was a limit ending the process: its
// memory limit, its CPU budget (cpu_total), a cancel deadline passed, or its
// sandbox crashing (the last resort of the memory limit).
func (e Exit) LimitKill() bool {
	if !e.Abnormal {
		return false
	}
	switch e.Kind {
	case abi.Unavailable.Kind():
		return strings.HasPrefix(e.Error, vm.ErrMemoryLimit.Message) // memory_run adds why
	case abi.Timeout.Kind():
		return e.Error == "CPU budget exhausted" || e.Error == cancelDeadlineExceeded
	case abi.Internal.Kind():
		return strings.HasPrefix(e.Error, "sandbox crashed")
	}
	return false
}
