package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
)

// A run watches its runtime so that nothing fails in silence: every
// abnormal exit of a process other than the ones the command started is
// reported on stderr as it happens (--quiet silences those), and a run
// whose processes are all blocked ends at once with exit code 3 and a list
// of what each still-alive process waits on, as a run past --timeout does.

// watcher prints what a run's processes do that the user must hear of.
type watcher struct {
	stderr io.Writer
	outMu  *sync.Mutex // shared with the print output: lines never interleave
	quiet  bool
	multi  bool // several tenants: name the tenant in every line

	mu   sync.Mutex
	tops map[string]bool // PIDs the command started: their exits are its result
	done map[string]bool // tenants whose started process has exited: the rest is teardown
}

func newWatcher(stderr io.Writer, outMu *sync.Mutex, quiet, multi bool) *watcher {
	return &watcher{stderr: stderr, outMu: outMu, quiet: quiet, multi: multi, tops: map[string]bool{}, done: map[string]bool{}}
}

// spawn starts process id of tenant t, the one whose exit is the run's
// result. Its PID is known to the watcher before it can exit.
func (w *watcher) spawn(t *host.Tenant, id string, args []string) (<-chan host.Exit, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	pid, exit, err := t.Spawn(id, host.DefaultHost, host.Args(args...))
	if err != nil {
		return nil, err
	}
	w.tops[pid] = true
	return exit, nil
}

// exited is the runtime's Config.Exited. It runs on a shard goroutine.
func (w *watcher) exited(tenant, pid, source string, e host.Exit) {
	w.mu.Lock()
	top, done := w.tops[pid], w.done[tenant]
	if top {
		// Processes ended by the top one's exit (its links) are teardown,
		// not news: reported, they would race with the runtime's close.
		w.done[tenant] = true
	}
	w.mu.Unlock()
	if top || done || w.quiet || !e.Abnormal {
		return
	}
	w.outMu.Lock()
	defer w.outMu.Unlock()
	fmt.Fprintf(w.stderr, "moonbox: tenant %s: %s %s exited abnormally: %s\n", tenant, source, pid, kindAndError(e))
}

func (w *watcher) tenantPrefix(tenant string) string {
	if w.multi {
		return "tenant " + tenant + ": "
	}
	return ""
}

// kindAndError is "KIND: message" (just the message when the kind is unknown).
func kindAndError(e host.Exit) string {
	if e.Kind == "" {
		return e.Error
	}
	return e.Kind + ": " + e.Error
}

// blockedPoll is how often a run asks whether all its processes are blocked.
const blockedPoll = 20 * time.Millisecond

// blocked returns a channel closed once rt is blocked (host.Runtime.Blocked)
// twice in a row, a poll apart: the check is exact, the second look costs
// nothing and makes a report from a bug in it unlikely. stop ends the poll.
func blocked(rt *host.Runtime, stop <-chan struct{}) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		tick := time.NewTicker(blockedPoll)
		defer tick.Stop()
		seen := 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if rt.Blocked() {
				if seen++; seen == 2 {
					close(ch)
					return
				}
			} else {
				seen = 0
			}
		}
	}()
	return ch
}

// report prints every live process and what it waits on.
func (w *watcher) report(rt *host.Runtime) {
	procs := rt.Report()
	w.outMu.Lock()
	defer w.outMu.Unlock()
	if len(procs) == 0 {
		fmt.Fprintln(w.stderr, "moonbox: no process is alive")
		return
	}
	fmt.Fprintf(w.stderr, "moonbox: %s still alive:\n", plural(len(procs), "process is", "processes are"))
	for _, p := range procs {
		waits := "?"
		if len(p.Waits) > 0 {
			waits = strings.Join(p.Waits, "; ")
		}
		var extra []string
		if p.Mailbox > 0 {
			extra = append(extra, plural(int(p.Mailbox), "message", "messages")+" not taken from its mailbox")
		}
		line := fmt.Sprintf("  %s%s %s: %s", w.tenantPrefix(p.Tenant), p.Source, p.PID, waits)
		if len(extra) > 0 {
			line += " (" + strings.Join(extra, ", ") + ")"
		}
		fmt.Fprintln(w.stderr, line)
	}
}

// blockedMessage is the first line of the report of a blocked run.
const blockedMessage = "moonbox: every process is blocked: none is runnable, no message is on its way and no timer is pending, so none can ever run again"

// plural is "1 thing" or "n things".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
