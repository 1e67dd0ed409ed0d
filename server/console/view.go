package console

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// SparkStep is the seconds per point of the overview's sparklines: 120
// points for ten minutes.
const SparkStep = 5

// TopN is how many processes a tenant page lists by instructions and by
// mailbox.
const TopN = 20

// Row is a tenant's line of the overview.
type Row struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // ok, throttled, failing, down
	Version  int    `json:"version"`
	Previous int    `json:"previous,omitempty"`
	Error    string `json:"error,omitempty"`

	Processes    int64   `json:"procs"`
	Messages     float64 `json:"msgs"`  // per second, over the last second
	Instructions float64 `json:"instr"` // per second, over the last second
	// Share is Instructions as a share of every tenant's (0 to 1).
	Share float64 `json:"share"`
	// Memory is the guest linear memory over the tenant's instances, Limit
	// the cap of that many (native isolation: both 0, not measured).
	Memory    uint64 `json:"mem"`
	Heap      uint64 `json:"heap"`
	Limit     uint64 `json:"mem_limit"`
	Instances int    `json:"instances"`
	Native    bool   `json:"native,omitempty"`
	// DeniedPerMin and KillsPerMin are over the last minute.
	DeniedPerMin float64 `json:"denied_min"`
	KillsPerMin  float64 `json:"kills_min"`
	ServicesUp   int     `json:"svc_up"`
	ServicesDown int     `json:"svc_failed"`
	Services     int     `json:"svc"`

	// Spark is the sparklines (the whole ten minutes in the first message
	// of a stream, then only the bucket a tick closed, if it closed one).
	Spark *series `json:"spark,omitempty"`
}

// Overview is the overview page's data.
type Overview struct {
	Time    time.Time `json:"time"`
	Step    int       `json:"step"` // seconds per sparkline point
	Points  int       `json:"points"`
	Tenants []Row     `json:"tenants"`
}

// overview builds the rows; full puts the whole sparklines in, otherwise
// only the points this tick closed.
func (c *Console) overview(full bool) Overview {
	snap := c.snapshot()
	names := make([]string, 0, len(snap))
	for n := range snap {
		names = append(names, n)
	}
	sort.Strings(names)
	o := Overview{Time: time.Now(), Step: SparkStep, Points: History / SparkStep, Tenants: make([]Row, 0, len(names))}
	var total float64
	for _, n := range names {
		w := snap[n]
		w.mu.Lock()
		r := w.row()
		if full {
			s := w.ring.series(SparkStep)
			s.Processes = nil
			r.Spark = &s
		} else if s, ok := w.ring.tick(SparkStep); ok {
			s.Processes = nil
			r.Spark = &s
		}
		w.mu.Unlock()
		total += r.Instructions
		o.Tenants = append(o.Tenants, r)
	}
	if total > 0 {
		for i := range o.Tenants {
			o.Tenants[i].Share = math.Round(o.Tenants[i].Instructions/total*1e4) / 1e4
		}
	}
	return o
}

// row is the tenant's overview line; w.mu is held.
func (w *watched) row() Row {
	tn := w.last
	r := Row{Name: tn.Name, Version: tn.Version, Previous: tn.Previous, Error: tn.Error}
	now := w.ring.over(1)
	minute := w.ring.over(60)
	r.Messages, r.Instructions = round(now.Messages), round(now.Instructions)
	r.DeniedPerMin, r.KillsPerMin = round(minute.Denials*60), round(minute.LimitKills*60)
	if s, ok := w.ring.back(0); ok {
		r.Processes, r.Memory, r.Heap, r.Instances = s.Processes, s.Linear, s.Memory, s.Instances
	}
	if tn.Runtime != nil {
		cfg := tn.Runtime.Config()
		r.Native = cfg.Isolation == "native"
		r.Limit = uint64(cfg.Limits.Memory) * uint64(max(r.Instances, 1))
	}
	for _, ss := range tn.Services {
		r.Services++
		switch ss.State {
		case moonbox.ServiceRunning:
			r.ServicesUp++
		case moonbox.ServiceFailed, moonbox.ServiceBackoff:
			r.ServicesDown++
		}
	}
	switch {
	case tn.Runtime == nil:
		r.Status = "down"
	case r.ServicesDown > 0:
		r.Status = "failing"
	case r.KillsPerMin > 0:
		r.Status = "throttled"
	default:
		r.Status = "ok"
	}
	return r
}

// Detail is a tenant page's data.
type Detail struct {
	Row
	Isolation string       `json:"isolation"`
	Deployed  time.Time    `json:"deployed"`
	Charts    series       `json:"charts"` // a point a second, ten minutes
	Services  []Service    `json:"services"`
	TopCPU    []ProcessRow `json:"top_cpu"`
	TopMail   []ProcessRow `json:"top_mailbox"`
	Exits     []Entry      `json:"exits"`
	Kills     []Entry      `json:"kills"`
	Denials   []Entry      `json:"denials"`
	Restarts  []Entry      `json:"restarts"`
	Warnings  []Entry      `json:"warnings"`
	Limits    []LimitRow   `json:"limits"`
}

// Service is a service's line on its tenant page.
type Service struct {
	Name     string    `json:"name"`
	Source   string    `json:"source"`
	State    string    `json:"state"`
	PID      string    `json:"pid,omitempty"`
	Restarts int       `json:"restarts"`
	LastExit string    `json:"last_exit,omitempty"`
	Since    time.Time `json:"since"`
}

// ProcessRow is a process in a top list.
type ProcessRow struct {
	PID          string `json:"pid"`
	Source       string `json:"source"`
	Instructions int64  `json:"instr"`
	Mailbox      int64  `json:"mailbox"`
	Go           bool   `json:"go,omitempty"`
}

// LimitRow is one limit: the tenant's, the operator's default and ceiling.
type LimitRow struct {
	Name    string `json:"name"`
	Tenant  string `json:"tenant"`
	Default string `json:"default"`
	Ceiling string `json:"ceiling"`
}

// detail is the tenant page's data, or false if no such tenant.
func (c *Console) detail(name string) (Detail, bool) {
	w, ok := c.snapshot()[name]
	if !ok {
		return Detail{}, false
	}
	cpu, mail := w.top(TopN)
	w.mu.Lock()
	d := Detail{Row: w.row(), Deployed: w.last.Deployed, Charts: w.ring.series(1)}
	tn := w.last
	w.mu.Unlock()
	for _, ss := range tn.Services {
		d.Services = append(d.Services, Service{Name: ss.Name, Source: ss.Source, State: string(ss.State), PID: ss.PID,
			Restarts: ss.Restarts, LastExit: clip(ss.LastExit), Since: ss.Since})
	}
	d.TopCPU, d.TopMail = processRows(cpu), processRows(mail)
	w.journal.mu.Lock()
	d.Exits, d.Kills, d.Denials = w.journal.exits.recent(), w.journal.kills.recent(), w.journal.denials.recent()
	d.Restarts, d.Warnings = w.journal.restarts.recent(), w.journal.warnings.recent()
	w.journal.mu.Unlock()
	if tn.Runtime != nil {
		cfg := tn.Runtime.Config()
		d.Isolation = string(cfg.Isolation)
		d.Limits = limitRows(cfg.Limits, c.cfg.Defaults, c.cfg.Ceilings)
	}
	return d, true
}

func processRows(ps []moonbox.ProcessInfo) []ProcessRow {
	out := make([]ProcessRow, 0, len(ps))
	for _, p := range ps {
		out = append(out, ProcessRow{PID: p.PID, Source: clip(p.Source), Instructions: p.Instructions, Mailbox: p.Mailbox, Go: p.Go})
	}
	return out
}

// byteLimits are the limits counted in bytes.
var byteLimits = map[string]bool{"Payload": true, "Memory": true, "TenantMemory": true, "MemorySoft": true, "MemoryRun": true}

// limitRows lists every field of Limits: the tenant's value, the
// operator's default and ceiling (zero: none).
func limitRows(t, def, ceil moonbox.Limits) []LimitRow {
	tv, dv, cv := reflect.ValueOf(t), reflect.ValueOf(def), reflect.ValueOf(ceil)
	var out []LimitRow
	for i := 0; i < tv.NumField(); i++ {
		name := tv.Type().Field(i).Name
		f := func(v reflect.Value, zero string) string {
			n := v.Field(i).Int()
			switch {
			case n == 0:
				return zero
			case byteLimits[name]:
				return bytesText(n)
			}
			return fmt.Sprint(n)
		}
		out = append(out, LimitRow{Name: name, Tenant: f(tv, "unlimited"), Default: f(dv, "built-in"), Ceiling: f(cv, "none")})
	}
	return out
}

func bytesText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
