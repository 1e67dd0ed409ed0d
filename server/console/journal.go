package console

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/moonbox-runtime/moonbox"
)

// JournalSize is how many entries of each kind a tenant's journal keeps.
const JournalSize = 50

// maxText bounds the text of an entry: error messages are the tenant's, and
// a tenant may make them a megabyte long.
const maxText = 1000

// Entry is one thing that happened to a tenant, as the tenant page lists it.
// Every string but Kind and ErrorKind is the tenant's to choose: the page
// shows them as text.
type Entry struct {
	Time      time.Time `json:"time"`
	Kind      string    `json:"kind"` // exit, limit, denied, restart, warning
	PID       string    `json:"pid,omitempty"`
	Source    string    `json:"source,omitempty"`
	ErrorKind string    `json:"error_kind,omitempty"`
	Message   string    `json:"message,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Action    string    `json:"action,omitempty"`
	Resource  string    `json:"resource,omitempty"`
	Service   string    `json:"service,omitempty"`
}

// entries is a bounded ring of entries, oldest overwritten first.
type entries struct {
	buf  [JournalSize]Entry
	next int
	n    int
}

func (e *entries) add(x Entry) {
	e.buf[e.next] = x
	e.next = (e.next + 1) % JournalSize
	e.n = min(e.n+1, JournalSize)
}

// recent is the entries, newest first.
func (e *entries) recent() []Entry {
	out := make([]Entry, 0, e.n)
	for i := 1; i <= e.n; i++ {
		out = append(out, e.buf[(e.next-i+JournalSize)%JournalSize])
	}
	return out
}

// journal is what a tenant page lists: abnormal exits, limit kills, policy
// denials, service restarts and the runtime's warnings, each bounded.
type journal struct {
	mu                                        sync.Mutex
	exits, kills, denials, restarts, warnings entries
}

// event files a runtime event. It runs on the runtime's goroutines, for
// every event: a lock and a copy, nothing more.
func (j *journal) event(ev moonbox.Event) {
	e := Entry{Time: ev.Time, Kind: string(ev.Kind), PID: clip(ev.PID), Source: clip(ev.Source), ErrorKind: string(ev.ErrorKind),
		Message: clip(ev.Message), Subject: clip(ev.Subject), Action: clip(ev.Action), Resource: clip(ev.Resource)}
	j.mu.Lock()
	defer j.mu.Unlock()
	switch ev.Kind {
	case moonbox.EventExit:
		j.exits.add(e)
	case moonbox.EventLimit:
		j.kills.add(e)
	case moonbox.EventDenied:
		j.denials.add(e)
	case moonbox.EventWarning:
		j.warnings.add(e)
	}
}

func (j *journal) restarted(service, lastExit string, at time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.restarts.add(Entry{Time: at, Kind: "restart", Service: clip(service), Message: clip(lastExit)})
}

// clip cuts s to maxText bytes on a rune boundary.
func clip(s string) string {
	if len(s) <= maxText {
		return s
	}
	cut := maxText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
