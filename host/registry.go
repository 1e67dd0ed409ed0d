package host

import (
	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// checkName refuses names that could not be told from PIDs, that are
// absurdly long, or that hold control bytes (a "\n" or "\x00" in a name
// would forge lines in logs and listings, and no one can type it).
func checkName(name string) *abi.Error {
	if name == "" || len(name) > abi.MaxName || isPID(name) || hasControl(name) {
		return abi.Errorf(abi.Invalid, "invalid name %q (names are non-empty, at most %d bytes, hold no control bytes, and do not start with '{')", truncate(name, 40), abi.MaxName)
	}
	return nil
}

// hasControl reports whether s has an ASCII control byte (0-31, 127).
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// register names p in its tenant. Registering the same name for the same
// process again is a no-op; a name held by another live process is
// ALREADY_EXISTS.
func (t *Tenant) register(name string, p *process) *abi.Error {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.registered(name)
	if cur != nil {
		if cur == p {
			return nil
		}
		if cur.isAlive() {
			return abi.Errorf(abi.AlreadyExists, "name %s is already registered", name)
		}
	}
	if cur == nil {
		if t.nameSize >= t.limits.Names {
			return quotaError("registered name", t.limits.Names)
		}
		t.nameSize++
	}
	t.names.Store(name, p)
	p.mu.Lock()
	ties := p.tie()
	ties.names = append(ties.names, name)
	p.mu.Unlock()
	return nil
}

// unregister removes a name; it reports whether the name was registered.
func (t *Tenant) unregister(name string) bool {
	t.mu.Lock()
	p := t.registered(name)
	if p != nil {
		t.names.Delete(name)
		t.nameSize--
	}
	t.mu.Unlock()
	if p == nil {
		return false
	}
	p.mu.Lock()
	for i, n := range p.rel().names {
		if n == name {
			p.ties.names = append(p.ties.names[:i], p.ties.names[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
	return true
}

// unregisterAll releases the names of a process that exited.
func (t *Tenant) unregisterAll(p *process, names []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range names {
		if t.registered(n) == p {
			t.names.Delete(n)
			t.nameSize--
		}
	}
}

// registered is the process registered as name, or nil.
func (t *Tenant) registered(name string) *process {
	if p, ok := t.names.Load(name); ok {
		return p.(*process)
	}
	return nil
}

// resolve finds a destination by PID or registered name, within the
// caller's tenant only: another tenant's process is NOT_FOUND, exactly like
// one that never existed.
func (t *Tenant) resolve(dest string) (*process, *abi.Error) {
	if dest == "" || len(dest) > abi.MaxName {
		return nil, abi.Errorf(abi.Invalid, "destination must be a PID or a registered name")
	}
	var p *process
	if isPID(dest) {
		// The PID says where the process lives: another tenant's or another
		// node's is answered without a lookup (no other node is reachable yet).
		parts, valid := parsePID(dest)
		if !valid || parts.tenant != t.index || parts.node != t.rt.cfg.Node {
			return nil, abi.Errorf(abi.NotFound, "no process %s", dest)
		}
		p = t.rt.lookup(dest)
	} else {
		p = t.registered(dest)
	}
	if p == nil || p.tenant != t || !p.ready.Load() || !p.isAlive() {
		return nil, abi.Errorf(abi.NotFound, "no process %s", dest)
	}
	return p, nil
}

// registry carries out a name registry operation of process self (of t).
func (t *Tenant) registry(self *process, op abi.RegistryOp, name, pid string) (string, *abi.Error) {
	var err *abi.Error
	if err := checkName(name); err != nil {
		return "", err
	}
	switch op {
	case abi.OpRegister:
		if err := self.checkAll(self.by().On(policies.ActionRegister, name)); err != nil {
			return "", err
		}
		target := self
		if pid != "" {
			if target, err = t.resolve(pid); err != nil {
				return "", err
			}
		}
		return "", t.register(name, target)
	case abi.OpLookup:
		p, err := t.resolve(name)
		if err != nil {
			return "", abi.Errorf(abi.NotFound, "no process registered as %s", name)
		}
		return p.pid, nil
	case abi.OpUnregister:
		if err := self.checkAll(self.by().On(policies.ActionUnregister, name)); err != nil {
			return "", err
		}
		if t.unregister(name) {
			return "1", nil
		}
		return "", nil
	}
	return "", abi.Errorf(abi.Invalid, "unknown registry operation %d", op)
}
