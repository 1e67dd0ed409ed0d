package moonbox

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/policies"
)

// EventKind says what an [Event] reports.
type EventKind string

const (
	// EventExit is an abnormal exit of a process (not a limit's).
	EventExit EventKind = "exit"
	// EventLimit is a process ended by a limit: its memory limit, its CPU
	// budget, a cancel deadline, or its sandbox crashing.
	EventLimit EventKind = "limit"
	// EventDenied is a request the tenant's policy refused.
	EventDenied EventKind = "denied"
	// EventPrint is a line a process printed.
	EventPrint EventKind = "print"
	// EventWarning is the runtime's own report about a tenant: a crashed
	// sandbox and what its guest wrote, a policy file that did not reload.
	EventWarning EventKind = "warning"
	// EventDeploy is a deploy, redeploy or undeploy.
	EventDeploy EventKind = "deploy"
)

// Event is one thing the runtime reports about a tenant.
type Event struct {
	Time    time.Time
	Kind    EventKind
	Tenant  string
	PID     string // the process concerned, if any
	Source  string // its source ID, for exits
	Message string // the error, the printed line, the report
	// ErrorKind is an exit's error kind.
	ErrorKind Kind
	// Subject, Action and Resource are a denial's request.
	Subject, Action, Resource string
}

func (r *Runtime) printed(tenant, pid, line string) {
	r.report(Event{Kind: EventPrint, Tenant: tenant, PID: pid, Message: line})
}

func (r *Runtime) warned(tenant, message string) {
	r.report(Event{Kind: EventWarning, Tenant: tenant, Message: message})
}

func (r *Runtime) exited(tenant, pid, source string, e host.Exit) {
	if !e.Abnormal || e.Error == host.ReasonRemoved { // an undeploy is reported once, as such
		return
	}
	kind := EventExit
	if e.LimitKill() {
		kind = EventLimit
	}
	r.report(Event{Kind: kind, Tenant: tenant, PID: pid, Source: source, Message: e.Error, ErrorKind: Kind(e.Kind)})
}

func (r *Runtime) denied(tenant string, req policies.Request, err error) {
	resource := ""
	if len(req.Resources) > 0 {
		resource = req.Resources[0]
	}
	r.report(Event{Kind: EventDenied, Tenant: tenant, PID: req.Caller, Subject: req.Subject, Action: req.Action,
		Resource: resource, Message: err.Error()})
}

// report hands e to OnEvent and logs it. Logging is bounded per tenant and
// kind (logBurst lines a second, then one line saying how many were left
// out): a tenant that fails in a loop must not fill the host's disk.
// OnEvent sees every event.
func (r *Runtime) report(e Event) {
	e.Time = time.Now()
	if r.onEvent != nil {
		r.onEvent(e)
	}
	dropped, ok := r.logs.allow(e.Tenant, e.Kind, e.Time)
	if !ok {
		return
	}
	level := slog.LevelWarn
	switch e.Kind {
	case EventPrint, EventDeploy:
		level = slog.LevelInfo
	case EventDenied:
		level = slog.LevelInfo
	}
	attrs := []slog.Attr{slog.String("tenant", e.Tenant)}
	if e.PID != "" {
		attrs = append(attrs, slog.String("pid", e.PID))
	}
	if e.Source != "" {
		attrs = append(attrs, slog.String("source", e.Source))
	}
	if e.ErrorKind != "" {
		attrs = append(attrs, slog.String("kind", string(e.ErrorKind)))
	}
	if e.Kind == EventDenied {
		attrs = append(attrs, slog.String("subject", e.Subject), slog.String("action", e.Action), slog.String("resource", e.Resource))
	}
	if dropped > 0 {
		attrs = append(attrs, slog.Int("suppressed", dropped))
	}
	msg := string(e.Kind)
	if e.Message != "" {
		msg += ": " + e.Message
	}
	r.log.LogAttrs(context.Background(), level, msg, attrs...)
}

// logBurst is how many lines of one kind a tenant may log per second.
const logBurst = 100

// logLimiter counts log lines per tenant and kind in one-second windows.
type logLimiter struct {
	mu      sync.Mutex
	windows map[logKey]*logWindow
}

type logKey struct {
	tenant string
	kind   EventKind
}

type logWindow struct {
	start   time.Time
	lines   int
	dropped int
}

// allow reports whether a line may be logged now and how many lines were
// left out before it.
func (l *logLimiter) allow(tenant string, kind EventKind, now time.Time) (dropped int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[logKey]*logWindow{}
	}
	k := logKey{tenant, kind}
	w := l.windows[k]
	if w == nil {
		if len(l.windows) > 10_000 { // tenants come and go: forget old windows
			clear(l.windows)
		}
		w = &logWindow{start: now}
		l.windows[k] = w
	}
	if now.Sub(w.start) >= time.Second {
		w.start, w.lines = now, 0
	}
	if w.lines >= logBurst {
		w.dropped++
		return 0, false
	}
	w.lines++
	dropped, w.dropped = w.dropped, 0
	return dropped, true
}
