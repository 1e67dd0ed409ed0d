package host

import (
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// Lifecycle operations of one process on another: terminate, cancel,
// monitor and link (link.go), trap links, upgrade.

// control carries out a lifecycle operation of process self (of t) on dest.
func (t *Tenant) control(self *process, op abi.ControlOp, dest string, arg int64) (string, *abi.Error) {
	return t.controlAs(self, op, dest, arg, true)
}

// controlAs is control, with the policy check on the target only if checked.
func (t *Tenant) controlAs(self *process, op abi.ControlOp, dest string, arg int64, checked bool) (string, *abi.Error) {
	rt := t.rt
	switch op {
	case abi.OpTrapLinks:
		self.mu.Lock()
		self.trapLinks = arg != 0
		self.mu.Unlock()
		return "", nil
	case abi.OpUpgrade:
		// Rights follow code: a process may become only code it could spawn.
		if err := self.checkAll(self.by().On(policies.ActionSpawn, dest)); err != nil {
			return "", err
		}
		src, serr := t.source(dest)
		if serr != nil {
			return "", serr
		}
		self.mu.Lock()
		if self.actor == self.id {
			self.actor = dest
		}
		self.id = dest
		self.resources = nil // made again with the new ID (checkOn)
		self.mu.Unlock()
		return src.Text, nil
	}
	target, err := t.resolve(dest)
	if err != nil {
		return "", err
	}
	if action := controlActions[op]; action != "" && checked {
		if err := self.checkOn(action, target); err != nil {
			return "", err
		}
	}
	switch op {
	case abi.OpTerminate:
		if target == self {
			return abi.TerminateSelf, nil // the guest ends the caller itself, now
		}
		rt.kill(target, abi.Canceled, "terminated")
	case abi.OpCancel:
		deadline := uint64(0)
		if arg > abi.MaxDurationMs {
			return "", abi.Errorf(abi.Invalid, "cancel deadline of %d ms is beyond a year", arg)
		}
		if arg >= 0 {
			deadline = uint64(time.Now().Add(time.Duration(arg) * time.Millisecond).UnixMilli())
			rt.afterFunc(time.Duration(arg)*time.Millisecond, func() {
				if target.isAlive() {
					rt.kill(target, abi.Timeout, cancelDeadlineExceeded)
				}
			})
		}
		rt.event(target, abi.EventCancel, self.pid, nil, deadline)
	case abi.OpMonitor, abi.OpUnmonitor, abi.OpLink, abi.OpUnlink:
		return "", t.linkOp(self, target, op, dest)
	default:
		return "", abi.Errorf(abi.Invalid, "unknown control operation %d", op)
	}
	return "", nil
}

// cancelDeadlineExceeded is the exit error of a process that outlived the
// deadline of a process.cancel.
const cancelDeadlineExceeded = "cancel deadline exceeded"

// controlActions are the permissions of the control operations on a target.
var controlActions = map[abi.ControlOp]string{
	abi.OpTerminate: policies.ActionTerminate,
	abi.OpCancel:    policies.ActionCancel,
	abi.OpMonitor:   policies.ActionMonitor,
	abi.OpUnmonitor: policies.ActionUnmonitor,
	abi.OpLink:      policies.ActionLink,
	abi.OpUnlink:    policies.ActionUnlink,
}
