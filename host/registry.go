package host

import (
	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// checkName refuses names that could not be told from PIDs, that are
// absurdly long, or that hold control bytes (a "\n" or "\x00" in a name
// would forge lines in logs and listings, and no one can type it).
func checkName(name string) *vm.Error {
	if name == "" || len(name) > abi.MaxName || isPID(name) || hasControl(name) {
		return vm.Errorf(abi.Invalid, "invalid name %q (names are non-empty, at most %d bytes, hold no control bytes, and do not start with '{')", truncate(name, 40), abi.MaxName)
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
func (t *Tenant) register(name string, p *process) *vm.Error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur := t.names[name]; cur != nil {
		if cur == p {
			return nil
		}
		if cur.isAlive() {
			return vm.Errorf(abi.AlreadyExists, "name %s is already registered", name)
		}
	}
	if t.names[name] == nil {
		if t.nameSize >= t.limits.Names {
			return quotaError("registered name", t.limits.Names)
		}
		t.nameSize++
	}
	t.names[name] = p
	p.mu.Lock()
	p.names = append(p.names, name)
	p.mu.Unlock()
	return nil
}

// unregister removes a name; it reports whether the name was registered.
func (t *Tenant) unregister(name string) bool {
	t.mu.Lock()
	p := t.names[name]
	if p != nil {
		delete(t.names, name)
		t.nameSize--
	}
	t.mu.Unlock()
	if p == nil {
		return false
	}
	p.mu.Lock()
	for i, n := range p.names {
		if n == name {
			p.names = append(p.names[:i], p.names[i+1:]...)
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
		if t.names[n] == p {
			delete(t.names, n)
			t.nameSize--
		}
	}
}
