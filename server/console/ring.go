package console

import (
	"math"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// History is how many samples a tenant keeps: ten minutes at one a second.
const History = 600

// sample is one reading of a tenant's stats.
type sample struct {
	seq int64 // the sampler's tick: samples with seq%step == 0 bound a chart's buckets
	at  time.Time
	moonbox.Stats
}

// ring keeps the last History samples of one tenant, oldest first.
type ring struct {
	buf  [History]sample
	next int // where the next sample goes
	n    int // samples held
}

func (r *ring) push(s sample) {
	r.buf[r.next] = s
	r.next = (r.next + 1) % History
	r.n = min(r.n+1, History)
}

// back is the sample i seconds before the newest (0: the newest); ok is
// false past the oldest.
func (r *ring) back(i int) (sample, bool) {
	if i < 0 || i >= r.n {
		return sample{}, false
	}
	return r.buf[(r.next-1-i+2*History)%History], true
}

// rates are a tenant's figures over one interval between two samples.
type rates struct {
	Messages     float64 `json:"msgs"`   // per second
	Instructions float64 `json:"instr"`  // per second
	Denials      float64 `json:"denied"` // per second
	LimitKills   float64 `json:"kills"`  // per second
	Abnormal     float64 `json:"abnormal"`
}

// between is the rates from a to b. A counter that went back (the tenant
// was undeployed and deployed again under its name) counts from zero.
func between(a, b sample) rates {
	secs := b.at.Sub(a.at).Seconds()
	if secs <= 0 {
		return rates{}
	}
	d := func(x, y int64) float64 {
		if y < x {
			return float64(y) / secs
		}
		return float64(y-x) / secs
	}
	return rates{Messages: d(a.Messages, b.Messages), Instructions: d(a.Instructions, b.Instructions),
		Denials: d(a.Denials, b.Denials), LimitKills: d(a.LimitKills, b.LimitKills), Abnormal: d(a.Abnormal, b.Abnormal)}
}

// over is the rates over the last secs seconds (or as many as are held).
func (r *ring) over(secs int) rates {
	newest, ok := r.back(0)
	if !ok {
		return rates{}
	}
	oldest, ok := r.back(min(secs, r.n-1))
	if !ok || oldest.at.Equal(newest.at) {
		return rates{}
	}
	return between(oldest, newest)
}

// series are a tenant's figures over time, one point per bucket of step
// seconds, oldest first: what a chart draws.
type series struct {
	Messages     []float64 `json:"msgs"`
	Instructions []float64 `json:"instr"`
	Denials      []float64 `json:"denied"`
	LimitKills   []float64 `json:"kills"`
	Memory       []float64 `json:"mem"`             // guest linear memory at the bucket's end, bytes
	Processes    []float64 `json:"procs,omitempty"` // the tenant page's; not in the overview
}

func (s *series) add(a, b sample) {
	r := between(a, b)
	s.Messages = append(s.Messages, sig3(r.Messages))
	s.Instructions = append(s.Instructions, sig3(r.Instructions))
	s.Denials = append(s.Denials, sig3(r.Denials*60))
	s.LimitKills = append(s.LimitKills, sig3(r.LimitKills*60))
	s.Memory = append(s.Memory, sig3(float64(b.Linear)))
	s.Processes = append(s.Processes, float64(b.Processes))
}

// series is the ring's samples in buckets of step seconds bounded by the
// samples whose seq is a multiple of step (denials and kills per minute,
// the others per second).
func (r *ring) series(step int) series {
	s := series{}
	var prev *sample
	for i := r.n - 1; i >= 0; i-- {
		cur, _ := r.back(i)
		if cur.seq%int64(step) != 0 {
			continue
		}
		if prev != nil {
			s.add(*prev, cur)
		}
		prev = &cur
	}
	return s
}

// tick is the bucket the newest sample closed, if it closed one.
func (r *ring) tick(step int) (series, bool) {
	newest, ok := r.back(0)
	if !ok || newest.seq%int64(step) != 0 {
		return series{}, false
	}
	prev, ok := r.back(step)
	if !ok || prev.seq != newest.seq-int64(step) {
		return series{}, false
	}
	s := series{}
	s.add(prev, newest)
	return s, true
}

// sig3 keeps three significant digits: a chart of 70 pixels needs no more,
// and the JSON is half as long.
func sig3(x float64) float64 {
	if x == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(x))))
	return math.Round(x*p) / p
}

// round keeps two decimals: the page needs no more, and the JSON is shorter.
func round(x float64) float64 { return math.Round(x*100) / 100 }
