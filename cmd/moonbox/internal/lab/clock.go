package lab

import (
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// The clock of a stress row: the good tenant's ping prints one empty line
// per round trip, and the host runtime's Log callback timestamps each in Go
// at the moment the guest hands it to the host. So every round trip is
// timed outside the sandbox, and a window's figures are read off the
// timestamps.

// StressPhase is the good tenant's figures over one window.
type StressPhase struct {
	Secs       float64 `json:"secs"`
	RoundTrips int     `json:"round_trips"`
	Rate       float64 `json:"rt_per_s"`
	P50        float64 `json:"p50_us"`
	P99        float64 `json:"p99_us"`
	Max        float64 `json:"max_us"`
	// Stalled is the share of the window spent in round trips slower than
	// maxP99Ratio x the solo p99 (set for the attack window only). A
	// stalled neighbour completes few round trips, so it weighs little in
	// a percentile of round trips; this weighs each by its duration.
	Stalled float64 `json:"stalled_share"`
}

// clock collects the times of the good ping's lines, as nanoseconds
// since base.
type clock struct {
	base time.Time
	mu   sync.Mutex
	pid  string
	ts   []int64
	// lines printed by other tenants (attackers may flood the log)
	others atomic.Int64
}

func (c *clock) now() int64 { return int64(time.Since(c.base)) }

func (c *clock) log(tenant, pid, _ string) {
	if tenant != "good" {
		c.others.Add(1)
		return
	}
	t := c.now()
	c.mu.Lock()
	if pid == c.pid {
		c.ts = append(c.ts, t)
	}
	c.mu.Unlock()
}

func (c *clock) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ts)
}

// phase computes the figures of window [from, to): every round trip that
// completed in it is one latency sample (the time since the previous one
// completed), and a round trip still in progress at the end of the window is
// one more sample of its time so far, so a neighbour that is stalled shows as
// a long latency rather than as no data.
func (c *clock) phase(from, to int64) StressPhase {
	c.mu.Lock()
	ts := c.ts
	c.mu.Unlock()
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	j := sort.Search(len(ts), func(i int) bool { return ts[i] >= to })
	var lat []float64
	prev := int64(-1)
	if i > 0 {
		prev = ts[i-1]
	}
	for k := i; k < j; k++ {
		if prev >= 0 {
			lat = append(lat, float64(ts[k]-prev)/1e3)
		}
		prev = ts[k]
	}
	if prev >= 0 && to > prev {
		lat = append(lat, float64(to-prev)/1e3)
	}
	p := StressPhase{Secs: float64(to-from) / 1e9, RoundTrips: j - i}
	p.Rate = float64(p.RoundTrips) / p.Secs
	if len(lat) > 0 {
		sort.Float64s(lat)
		p.P50, p.P99, p.Max = sortedPercentile(lat, 0.50), sortedPercentile(lat, 0.99), lat[len(lat)-1]
	}
	return p
}

// stalled is the share of [from, to) spent in round trips (completed in it,
// or in progress at its end) longer than threshold microseconds; the part
// of a slow round trip that began before the window does not count.
func (c *clock) stalled(from, to int64, threshold float64) float64 {
	c.mu.Lock()
	ts := c.ts
	c.mu.Unlock()
	i := sort.Search(len(ts), func(i int) bool { return ts[i] >= from })
	j := sort.Search(len(ts), func(i int) bool { return ts[i] >= to })
	var slow int64
	prev := from
	if i > 0 {
		prev = ts[i-1]
	}
	add := func(start, end int64) {
		if float64(end-start)/1e3 > threshold {
			slow += end - max(start, from)
		}
	}
	for k := i; k < j; k++ {
		add(prev, ts[k])
		prev = ts[k]
	}
	add(prev, to)
	return float64(slow) / float64(to-from)
}
