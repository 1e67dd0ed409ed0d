package host

import (
	"github.com/moonbox-runtime/moonbox/abi"
)

// Links and monitors. A monitor is one-way: when the watched process exits,
// any way, its monitors get EXIT. A link is two-way: when a linked process
// exits abnormally, its partner exits too ("linked process failed") unless
// it traps links, when it gets LINK_DOWN instead; a normal exit breaks the
// link quietly. Both ends keep the relation (monitors/watching, links), so
// an exit finds whom to tell without a search; exited() in exit.go tells them.

// linkOp makes or breaks a monitor or a link between self and target.
func (t *Tenant) linkOp(self, target *process, op abi.ControlOp, dest string) *abi.Error {
	if target == self {
		return abi.Errorf(abi.Invalid, "a process cannot monitor or link itself")
	}
	unlock := lockPair(self, target)
	defer unlock()
	if !target.alive {
		return abi.Errorf(abi.NotFound, "no process %s", dest)
	}
	if (op == abi.OpMonitor || op == abi.OpLink) && len(self.rel().links)+len(self.rel().watching) >= t.limits.Links {
		return quotaError("links and monitors", t.limits.Links)
	}
	switch op {
	case abi.OpMonitor:
		relate(&target.tie().monitors, self)
		relate(&self.tie().watching, target)
	case abi.OpUnmonitor:
		delete(target.rel().monitors, self)
		delete(self.rel().watching, target)
	case abi.OpLink:
		relate(&target.tie().links, self)
		relate(&self.tie().links, target)
	case abi.OpUnlink:
		delete(target.rel().links, self)
		delete(self.rel().links, target)
	}
	return nil
}
