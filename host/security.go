package host

import (
	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// Security is the security import: Lua's security module asks about its
// own process, never another. The host answers from what it holds (the
// actor and scope the process's spawner set, its tenant's policy in force);
// nothing the guest passes is taken as identity, so the module can read
// rights but not widen them, and it learns nothing of the host or of other
// tenants.
//
// Reading one's identity needs no permission: it is who the process already
// acts as (its source ID, or what its spawner chose to give it). Asking
// security.can needs none either: the answer is about the caller's own
// rights, which it could learn by trying.
func (in *instance) Security(h uint32, op abi.SecurityOp, action, resource string) (string, *abi.Error) {
	self, err := in.caller(h)
	if err != nil {
		return "", err
	}
	switch op {
	case abi.OpIdentity:
		return string(self.identity()), nil
	case abi.OpCan:
		if action == "" || resource == "" {
			return "", abi.Errorf(abi.Invalid, "security.can: action and resource must not be empty")
		}
		if err := policies.CheckAction(action); err != nil {
			return "", abi.Errorf(abi.Invalid, "security.can: %v", err)
		}
		// A denial here is an answer, not a refused call: it is not reported
		// to the runtime's Denied hook.
		if in.tenant.guard.Check(self.by().On(action, resource)) != nil {
			return "", nil
		}
		return "1", nil
	}
	return "", abi.Errorf(abi.Invalid, "unknown security operation %d", op)
}

// identity is p's security identity as OpIdentity returns it: a CBOR map
// {actor = id, meta = {...}, scope = {roles...}}, meta and scope only when set.
func (p *process) identity() []byte {
	p.mu.Lock()
	actor, meta, scope := p.actor, p.actorMeta, p.scope
	p.mu.Unlock()
	n := 1
	if len(meta) > 0 {
		n++
	}
	if scope != nil {
		n++
	}
	b := abi.AppendMap(nil, n)
	b = abi.AppendString(abi.AppendString(b, abi.IdentityActor), actor)
	if len(meta) > 0 {
		b = append(abi.AppendString(b, abi.IdentityMeta), meta...)
	}
	if scope != nil {
		b = abi.AppendArray(abi.AppendString(b, abi.IdentityScope), len(scope))
		for _, r := range scope {
			b = abi.AppendString(b, r)
		}
	}
	return b
}
