package host

import (
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// cpuRate bounds a tenant's Lua instructions per second over all its
// processes (limits.cpu_rate): a token bucket of instructions, spent at
// every tick, holding a tenth of a second's worth so a tenant that was idle
// cannot then hold the CPU for long. An empty bucket ends the tenant's
// turns (Tick answers Yield) and keeps its instances out of the run queues
// until it has refilled (shard.pop parks them): nothing fails and nothing
// ends. cpu_total bounds a process; this bounds a tenant that keeps
// spawning fresh ones.
type cpuRate struct {
	mu     sync.Mutex
	rate   float64 // instructions per second
	burst  float64
	tokens float64 // below zero: in debt
	last   time.Time
}

// cpuBurst is the bucket's size, in seconds of the rate.
const cpuBurst = 0.1

// newCPURate returns nil for 0 (unlimited): every method accepts nil.
func newCPURate(perSecond int64) *cpuRate {
	if perSecond <= 0 {
		return nil
	}
	r := float64(perSecond)
	return &cpuRate{rate: r, burst: r * cpuBurst, tokens: r * cpuBurst, last: time.Now()}
}

// refillLocked adds what the rate earned since the last look.
func (c *cpuRate) refillLocked(now time.Time) {
	c.tokens = min(c.burst, c.tokens+now.Sub(c.last).Seconds()*c.rate)
	c.last = now
}

// spend takes n instructions and reports whether the bucket is now empty.
func (c *cpuRate) spend(n int64) (empty bool) {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refillLocked(time.Now())
	c.tokens -= float64(n)
	return c.tokens <= 0
}

// wait is how long until the bucket holds instructions again; 0 if it does.
func (c *cpuRate) wait() time.Duration {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refillLocked(time.Now())
	if c.tokens > 0 {
		return 0
	}
	// Refilled to a tick's worth, not to zero: an instance let in at zero
	// would be sent back at its first tick.
	return time.Duration((abi.TickInstructions - c.tokens) / c.rate * float64(time.Second))
}
