package console

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// Config is what a console is given.
type Config struct {
	Backend Backend
	// Admin says whether a token is the admin token.
	Admin func(token string) bool
	Log   *slog.Logger
	// Defaults and Ceilings are the operator's, shown next to each
	// tenant's limits.
	Defaults, Ceilings moonbox.Limits
	// Interval is the sampler's period (a second if zero; tests shorten it).
	Interval time.Duration
}

// Console is the operator console: its sampler, its journals and sessions,
// and its HTTP handler (see [Console.Handler]).
type Console struct {
	cfg      Config
	log      *slog.Logger
	sessions *sessions

	mu      sync.RWMutex
	tenants map[string]*watched
	seq     int64         // sampler ticks so far
	ticked  chan struct{} // closed at the end of each tick, then replaced
	cost    time.Duration // the last tick's duration

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	started  atomic.Bool
}

// watched is what the console keeps of one tenant.
type watched struct {
	mu       sync.Mutex // guards ring, last, restarts
	ring     ring
	last     Tenant         // as of the last tick
	restarts map[string]int // per service, as of the last tick

	topMu    sync.Mutex // guards the top lists: apart, so a slow Top never holds the sampler
	topAt    time.Time
	topEvery time.Duration
	topCPU   []moonbox.ProcessInfo
	topMail  []moonbox.ProcessInfo

	journal journal
}

// New makes a console; [Console.Start] starts its sampler.
func New(cfg Config) *Console {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	return &Console{cfg: cfg, log: cfg.Log, sessions: newSessions(), tenants: map[string]*watched{},
		ticked: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
}

// Event files a runtime event in its tenant's journal: chain it onto
// moonbox.Config.OnEvent.
func (c *Console) Event(e moonbox.Event) {
	switch e.Kind {
	case moonbox.EventExit, moonbox.EventLimit, moonbox.EventDenied, moonbox.EventWarning:
	default:
		return // prints and deploys are the logs' business
	}
	if e.Tenant == "" {
		return
	}
	c.watch(e.Tenant).journal.event(e)
}

// watch is the tenant's record, made on first sight.
func (c *Console) watch(name string) *watched {
	c.mu.RLock()
	w, ok := c.tenants[name]
	c.mu.RUnlock()
	if ok {
		return w
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if w, ok = c.tenants[name]; !ok {
		w = &watched{restarts: map[string]int{}}
		c.tenants[name] = w
	}
	return w
}

// Start runs the sampler until [Console.Stop].
func (c *Console) Start() {
	c.started.Store(true)
	go func() {
		defer close(c.done)
		t := time.NewTicker(c.cfg.Interval)
		defer t.Stop()
		c.sample(time.Now())
		for {
			select {
			case <-c.stop:
				return
			case now := <-t.C:
				c.sample(now)
			}
		}
	}()
}

// Stop ends the sampler and the event streams (a server shutting down
// waits for its handlers: a console left open must not hold it up). It may
// be called more than once.
func (c *Console) Stop() {
	c.stopOnce.Do(func() { close(c.stop) })
	if c.started.Load() {
		<-c.done
	}
}

// sample reads every tenant's stats once: one tick of the sampler.
func (c *Console) sample(now time.Time) {
	start := time.Now()
	list := c.cfg.Backend.Tenants()
	c.mu.Lock()
	c.seq++
	seq := c.seq
	c.mu.Unlock()
	seen := make(map[string]bool, len(list))
	for _, tn := range list {
		seen[tn.Name] = true
		w := c.watch(tn.Name)
		s := sample{seq: seq, at: now}
		if tn.Runtime != nil {
			s.Stats = tn.Runtime.Stats()
		}
		w.mu.Lock()
		w.ring.push(s)
		w.last = tn
		for _, ss := range tn.Services {
			if before, ok := w.restarts[ss.Name]; ok && ss.Restarts > before {
				w.journal.restarted(ss.Name, ss.LastExit, ss.Since)
			}
			w.restarts[ss.Name] = ss.Restarts
		}
		w.mu.Unlock()
	}
	c.mu.Lock()
	for name := range c.tenants {
		if !seen[name] {
			delete(c.tenants, name) // undeployed
		}
	}
	c.cost = time.Since(start)
	close(c.ticked)
	c.ticked = make(chan struct{})
	c.mu.Unlock()
}

// SampleAt runs one tick of the sampler as if at time at: for tools and
// tests that need a history faster than a second a sample.
func (c *Console) SampleAt(at time.Time) { c.sample(at) }

// SampleCost is how long the sampler's last tick took (for the load test).
func (c *Console) SampleCost() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.cost
}

// tickedChan is closed at the end of the next tick.
func (c *Console) tickedChan() <-chan struct{} {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ticked
}

// watchedList is the sampled tenants by name, with their record.
func (c *Console) snapshot() map[string]*watched {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make(map[string]*watched, len(c.tenants))
	for k, v := range c.tenants {
		out[k] = v
	}
	return out
}

// top is the tenant's top n processes by instructions and by mailbox, read
// at most once a second however many pages ask, and less often when reading
// them is dear (Top sorts every process of the tenant): at most a tenth of
// the time goes to it, whatever the tenant's size.
func (w *watched) top(n int) (cpu, mailbox []moonbox.ProcessInfo) {
	w.mu.Lock()
	rt := w.last.Runtime
	w.mu.Unlock()
	w.topMu.Lock()
	defer w.topMu.Unlock()
	if time.Since(w.topAt) >= max(time.Second, w.topEvery) && rt != nil {
		start := time.Now()
		w.topCPU, w.topMail = rt.Top(n)
		w.topAt = time.Now()
		w.topEvery = 10 * w.topAt.Sub(start)
	}
	return w.topCPU, w.topMail
}

// stopped says whether the console is stopping (streams end).
func (c *Console) stopped() <-chan struct{} { return c.stop }

// Detail is a tenant page's data (for tests and tools), or false.
func (c *Console) Detail(name string) (Detail, bool) { return c.detail(name) }

// Overview is the overview's data, sparklines whole.
func (c *Console) Overview() Overview { return c.overview(true) }
