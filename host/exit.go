package host

import (
	"github.com/moonbox-runtime/moonbox/abi"
)

// The end of a process, and the records that tell others of it.

// exited is the one place a process ends: it leaves the table, its names are
// released, monitors get EXIT, links break (an abnormal exit kills linked
// processes that do not trap links, and sends LINK_DOWN to those that do),
// and a waiting process.call gets its reply.
func (rt *Runtime) exited(p *process, e Exit) {
	p.mu.Lock()
	if !p.alive {
		p.mu.Unlock()
		return
	}
	p.alive = false
	source := p.id
	p.tenant.live.Add(-1)
	if _, isGo := p.box.(*goMailbox); isGo {
		p.tenant.liveGo.Add(-1)
	}
	ties := p.rel()
	p.ties = nil
	for _, tm := range ties.timers {
		rt.stopTimer(tm)
	}
	monitors, links, watching, names := ties.monitors, ties.links, ties.watching, ties.names
	p.mu.Unlock()

	p.box.remove(p)
	rt.table.remove(p.pid)
	p.tenant.unregisterAll(p, names)
	// Reported before its monitors and links hear of it: a cause is reported
	// before the exits it brings about (a linked process's, on another
	// shard, would otherwise race it to the hook).
	p.tenant.counters.exited(e)
	if rt.cfg.Exited != nil {
		rt.cfg.Exited(p.tenant.name, p.pid, source, e)
	}

	for w := range watching {
		w.mu.Lock()
		delete(w.rel().monitors, p)
		w.mu.Unlock()
	}
	result := e.result()
	for m := range monitors {
		m.mu.Lock()
		delete(m.rel().watching, p)
		m.mu.Unlock()
		rt.event(m, abi.EventExit, p.pid, result, 0)
	}
	for l := range links {
		l.mu.Lock()
		delete(l.rel().links, p)
		alive, trap := l.alive, l.trapLinks
		l.mu.Unlock()
		if !e.Abnormal || !alive {
			continue
		}
		if trap {
			rt.event(l, abi.EventLinkDown, p.pid, result, 0)
		} else {
			rt.kill(l, abi.Canceled, "linked process failed")
		}
	}
	if c := p.caller; c != nil && c.isAlive() {
		value := e.Value
		abnormal := uint64(0)
		if e.Abnormal {
			value, abnormal = e.errorObject(), 1
		}
		c.box.post(abi.RecordReply, c, func(w *abi.RecordWriter) {
			w.String(p.pid)
			w.Uint(abnormal)
			w.Bytes(value)
		}, p.instance())
	}
	if p.onExit != nil {
		p.onExit(e)
	}

}

func (rt *Runtime) event(p *process, kind abi.EventKind, from string, result []byte, deadline uint64) {
	p.box.post(abi.RecordEvent, p, func(w *abi.RecordWriter) {
		w.Uint(uint64(kind))
		w.String(from)
		w.Bytes(result)
		w.Uint(deadline)
	}, nil)
}

// kill ends p abnormally at its next turn.
func (rt *Runtime) kill(p *process, status abi.Status, reason string) {
	p.box.post(abi.RecordKill, p, func(w *abi.RecordWriter) {
		w.Uint(uint64(status))
		w.String(reason)
	}, nil)
}
