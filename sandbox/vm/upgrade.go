package vm

import (
	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// upgrade is a pending process.upgrade: the code and arguments main restarts with.
type upgrade struct {
	fn   *lua.LFunction
	args []lua.LValue
	id   string
}

// upgradeStop unwinds every task of an upgrading process.
var upgradeStop = &Error{Status: abi.OK, Message: "upgrading"}

// upgradeFunc is process.upgrade(source, ...): the process keeps its PID,
// mailbox, links, monitors and names, and runs source's main(...) with fresh
// globals. upgrade(nil, ...) re-runs the current source. Code after the call
// never runs; a source that fails to load ends the process abnormally.
func (in *Instance) upgradeFunc(L *lua.LState) int {
	t := in.current()
	p := t.proc
	id := p.id
	if L.Get(1) != lua.LNil {
		s, err := argString(L, 1, "process.upgrade", "source")
		if err != nil {
			return failure(L, err)
		}
		id = s
	}
	args := rest(L, 2)
	src, err := in.host.Control(p.handle, abi.OpUpgrade, id, 0)
	if err == nil {
		env := in.newEnv()
		var fn *lua.LFunction
		if fn, err = in.load(id, []byte(src), env); err == nil {
			p.env = env
			r := p.more()
			r.modules, r.upgrade = nil, &upgrade{fn: fn, args: args, id: id}
			for _, x := range p.tasks {
				x.interrupt(upgradeStop)
			}
			L.RaiseError("upgrading")
			return 0
		}
	}
	p.kill(err)
	L.RaiseError("%s", err.Message)
	return 0
}
