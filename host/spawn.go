package host

import (
	"encoding/binary"
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// childLineage is the lineage of a process with sequence number seq spawned
// by parent (nil: from outside the runtime): its parent's, then its own
// number, u64 little-endian, up to abi.SpawnTreeDepth numbers; deeper, its
// parent's. The guest shares CPU along it (RecordStart, sandbox/vm/shares.go).
func childLineage(parent *process, seq uint64) string {
	var up string
	if parent != nil {
		up = parent.lineage
	}
	if len(up) >= 8*abi.SpawnTreeDepth {
		return up // immutable: shared
	}
	var b strings.Builder // one allocation: its String does not copy
	b.Grow(len(up) + 8)
	b.WriteString(up)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], seq)
	b.Write(n[:])
	return b.String()
}

// publish makes p reachable by PID and name.
func (rt *Runtime) publish(p *process) {
	rt.table.add(p)
	p.ready.Store(true)
}

// spawn creates a process. Everything that can fail is checked before
// anything happens: a failed spawn leaves no half-made process, no name, no
// link. parent is nil for a spawn from outside the runtime.
func (rt *Runtime) spawn(t *Tenant, parent *process, r spawnRequest, onExit func(Exit)) (*process, *abi.Error) {
	if r.ID == "" || r.Host == "" {
		return nil, abi.Errorf(abi.Invalid, "spawn: process ID and host ID are required")
	}
	if r.Name != "" {
		if err := checkName(r.Name); err != nil {
			return nil, err
		}
	}
	if t.isRemoved() {
		return nil, abi.Errorf(abi.Unavailable, "spawn: tenant %s is removed", t.name)
	}
	if !t.hosts[r.Host] {
		return nil, abi.Errorf(abi.NotFound, "spawn: host %s is not declared by tenant %s", r.Host, t.name)
	}
	if parent != nil {
		if err := parent.checkAll(spawnChecks(parent, r)...); err != nil {
			return nil, err
		}
	}
	depth := int32(0)
	if r.Call && parent != nil {
		if depth = parent.depth + 1; int(depth) > t.limits.CallDepth {
			return nil, quotaError("process.call depth", t.limits.CallDepth)
		}
	}
	if parent != nil && (r.Monitor || r.Link) && parent.linkCount() >= t.limits.Links {
		return nil, quotaError("links and monitors", t.limits.Links)
	}
	if !t.spawns.allow() {
		return nil, abi.Errorf(abi.RateLimited, "spawn rate limit of %d per second reached", t.limits.SpawnsPerSecond)
	}
	if t.live.Add(1) > int64(t.limits.Processes) {
		t.live.Add(-1)
		return nil, quotaError("process", t.limits.Processes)
	}
	ok := false
	defer func() {
		if !ok {
			t.live.Add(-1)
		}
	}()
	// A source is a Lua file of the bundle or, when the embedding
	// application handles it in Go, a Go-side process (goprocess.go).
	// Looked up after the quotas: a source is checked against its file
	// (a system call), and a process looping on refused spawns must not
	// cost the host more than the refusal.
	handler := t.handler(r.ID)
	var src *tenants.Source
	if handler == nil {
		var serr *abi.Error
		if src, serr = t.source(r.ID); serr != nil {
			return nil, serr
		}
	}
	p := &process{
		id:     r.ID,
		actor:  r.ID,
		tenant: t,
		onExit: onExit,
		depth:  depth,
		alive:  true,
	}
	if parent != nil {
		parent.mu.Lock()
		if parent.actor != parent.id { // an actor set by a spawner is inherited
			p.actor, p.actorMeta = parent.actor, parent.actorMeta
		}
		p.scope = parent.scope
		parent.mu.Unlock()
	}
	if len(r.Actor) > 0 {
		a, meta, valid := actorOf(r.Actor)
		if !valid {
			return nil, abi.Errorf(abi.Invalid, "spawn: actor must be a string or {id = ..., meta = {...}}")
		}
		p.actor, p.actorMeta = a, meta
	}
	if r.Scope != nil {
		p.scope = r.Scope
	}
	seq := rt.seq.Add(1)
	p.pid = formatPID(r.Host, seq, t.index, rt.cfg.Node)
	p.stripe = stripeOf(rt.shardOf(p.pid))
	p.lineage = childLineage(parent, seq)
	var in *instance
	if handler != nil {
		p.box = newGoMailbox()
		t.liveGo.Add(1)
	} else {
		var err error
		if in, err = t.instanceFor(rt.shardOf(p.pid)); err != nil {
			return nil, abi.Errorf(abi.Unavailable, "spawn: no sandbox: %v", err)
		}
		in.add(p)
	}
	// The name is taken before anything else is visible, so a name clash
	// fails the spawn with nothing to undo but the handle. Until the START
	// record is queued, lookups by name or PID do not see the process.
	if r.Name != "" {
		if e := t.register(r.Name, p); e != nil {
			p.box.remove(p)
			if handler != nil {
				t.liveGo.Add(-1)
			}
			return nil, e
		}
	}
	if parent != nil {
		if r.Call {
			p.caller = parent
		}
		if r.Monitor || r.Link {
			unlock := lockPair(parent, p)
			if r.Monitor {
				relate(&p.tie().monitors, parent)
				relate(&parent.tie().watching, p)
			}
			if r.Link {
				relate(&p.tie().links, parent)
				relate(&parent.tie().links, p)
			}
			unlock()
		}
	}
	if handler != nil {
		rt.publish(p)
		rt.startGo(p, handler, r.Args)
		t.counters.spawns.Add(1)
		ok = true
		return p, nil
	}
	// START is queued and the process becomes reachable in one step under
	// the instance lock: nothing can be queued for it before its START, and
	// it cannot run before others can reach it.
	in.postAndPublish(abi.RecordStart, p, func(w *abi.RecordWriter) {
		w.String(p.pid)
		w.String(p.id)
		w.String(src.Text)
		w.Bytes(r.Args)
		w.Bytes(r.Context)
		w.String(p.lineage)
	}, func() { rt.publish(p) }, parent.instance())
	from := ""
	if parent != nil {
		from = parent.pid
	}
	for _, m := range r.Messages {
		rt.deliver(p, from, m.Topic, m.Payload)
	}
	ok = true
	t.counters.spawns.Add(1)
	return p, nil
}
