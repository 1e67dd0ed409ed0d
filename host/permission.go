package host

import (
	"errors"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// Every privileged import asks the tenant's guard before it acts, on behalf
// of the calling process: its security actor, its scope and its PID. A
// refusal is PERMISSION_DENIED naming action and resource, and nothing has
// happened yet.

// by is the principal of a request made by p.
func (p *process) by() policies.Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return policies.Request{Subject: p.actor, Scope: p.scope, Caller: p.pid}
}

// check asks the tenant's guard for every request.
func (t *Tenant) check(rs ...policies.Request) *abi.Error {
	if err := t.guard.CheckAll(rs); err != nil {
		t.counters.denials.Add(1)
		if denied := t.rt.cfg.Denied; denied != nil {
			var d *policies.Denied
			r := rs[0]
			if errors.As(err, &d) {
				r = d.Request
			}
			denied(t.name, r, err)
		}
		return permissionError(err)
	}
	return nil
}

// checkOn asks whether p may do action to target: a rule may name the
// target's PID or its source ID.
func (t *Tenant) checkOn(p *process, action string, target *process) *abi.Error {
	target.mu.Lock()
	rs := target.resources
	if rs == nil {
		rs = &[2]string{target.pid, target.id}
		target.resources = rs
	}
	target.mu.Unlock()
	return t.check(p.by().On(action, rs[:]...))
}

// checkAll asks the tenant's guard for every request p makes, unless p is a
// trusted Go-side process acting with the embedding application's authority.
func (p *process) checkAll(rs ...policies.Request) *abi.Error {
	if p.trusted {
		return nil
	}
	return p.tenant.check(rs...)
}

// checkOn is [Tenant.checkOn] for a request p makes itself.
func (p *process) checkOn(action string, target *process) *abi.Error {
	if p.trusted {
		return nil
	}
	return p.tenant.checkOn(p, action, target)
}

func permissionError(err error) *abi.Error {
	var d *policies.Denied
	if errors.As(err, &d) {
		return &abi.Error{Status: abi.PermissionDenied, Message: d.Error()}
	}
	return &abi.Error{Status: abi.PermissionDenied, Message: err.Error()}
}

// spawnChecks are the checks of a spawn request made by parent: the
// combined spawn (or call) permissions, process.context for a context,
// process.registry.register for a name given with with_name.
func spawnChecks(parent *process, r spawnRequest) []policies.Request {
	by := parent.by()
	security := len(r.Actor) > 0 || r.Scope != nil
	var rs []policies.Request
	if r.Call {
		rs = policies.CallRequests(by, r.ID, r.Host)
		if security {
			rs = append(rs, by.On(policies.ActionSecurity, policies.ResourceSecurity))
		}
	} else {
		rs = policies.Spawn{Source: r.ID, Host: r.Host, Monitored: r.Monitor, Linked: r.Link, Security: security}.Requests(by)
	}
	if len(r.Context) > 0 {
		rs = append(rs, by.On(policies.ActionContext, policies.ResourceContext))
	}
	if r.Name != "" {
		rs = append(rs, by.On(policies.ActionRegister, r.Name))
	}
	return rs
}
