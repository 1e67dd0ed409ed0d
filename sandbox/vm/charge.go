package vm

import (
	"math/bits"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// The budget counts work, not only instructions: one instruction can call a
// builtin that runs for milliseconds (string.upper of a megabyte, a
// backtracking pattern, a compile, a raised error with its position), and a
// budget of instructions alone would let such a process hold its shard for
// seconds between two ticks. Work done in Go is charged as the number of
// instructions it costs about as much as (measured in the wasm guest, where
// an instruction is ~0.1 µs): the charge comes off the task's countdown, so
// the next instruction ticks, ends the turn when others wait and counts
// against cpu_total. Pattern matching charges as it goes (gopher-lua patch,
// third_party/gopher-lua/MOONBOX.md), so even one long match is preempted.
const (
	// errorCost is one raised error: message, position, unwinding
	// (~0.05-0.1 ms in the sandbox).
	errorCost = 500
	// bytesPerCharge bytes read or built by a string builtin, or joined by
	// `..` or table.concat, count as one instruction (~30 ns a byte).
	bytesPerCharge = 8
	// compileCost is charged per byte of source compiled (~2 µs a byte).
	compileCost = 16
	// hostCallCost is one call of the host (message, registry, timer...):
	// encoding, the boundary, the host's routing (~5 µs in the sandbox).
	hostCallCost = 50
	// messageCost is a message taken from the mailbox: decoding its record,
	// queueing it, waking the receiver (~10 µs in the sandbox).
	messageCost = 100
	// spawnCost is one spawn: the host's bookkeeping and the new task.
	spawnCost = 2000
	// canCost is one security.can: a policy decision the host's cache
	// does not hold costs a Casbin evaluation (measured in the sandbox: 37
	// µs a question with a new resource, 4.4 µs a cached one), so a process
	// cannot make the host evaluate its policy for less than it pays.
	canCost = 500
	// identityCost is one security.actor() or security.scope(): the host
	// encodes the identity, the guest decodes it (~11 µs in the sandbox).
	identityCost = 100
)

func init() {
	lua.ErrorCost = errorCost
	lua.ConcatByteCost = bytesPerCharge
}

// debit charges n instructions to the running task, if any. The countdown
// is consulted at the task's next instruction.
func (in *Instance) debit(n int64) {
	if t := in.current(); t != nil {
		t.budget.left -= n
	}
}

// chargeBuiltins makes the string library, the table functions that loop
// over their argument and the compilers charge for their work.
func (in *Instance) chargeBuiltins() {
	L := in.L
	wrap := func(t *lua.LTable, name string, before func(L *lua.LState) int64, after func(L *lua.LState, n int) int64) {
		fn, isFn := t.RawGetString(name).(*lua.LFunction)
		if !isFn || !fn.IsG {
			return
		}
		orig := fn.GFunction
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if before != nil {
				in.debit(before(L))
			}
			n := orig(L)
			if after != nil && n >= 0 {
				in.debit(after(L, n))
			}
			return n
		}))
	}
	str := L.GetGlobal("string").(*lua.LTable)
	var names []string
	str.ForEach(func(k, _ lua.LValue) { names = append(names, k.String()) })
	for _, name := range names {
		if name == "gsub" { // charges as it builds (a gopher-lua patch)
			wrap(str, name, stringArgBytes, nil)
			continue
		}
		wrap(str, name, stringArgBytes, stringResultBytes)
	}
	tbl := L.GetGlobal("table").(*lua.LTable)
	wrap(tbl, "concat", nil, stringResultBytes)
	wrap(tbl, "sort", func(L *lua.LState) int64 {
		n := int64(tableLen(L.Get(1)))
		return n * int64(bits.Len64(uint64(n))) // comparisons
	}, nil)
	for _, name := range []string{"insert", "remove"} {
		wrap(tbl, name, func(L *lua.LState) int64 { return int64(tableLen(L.Get(1))) / bytesPerCharge }, nil)
	}
	base := L.G.Global
	// unpack is charged per result where its range is checked (builtins.go).
	compile := func(L *lua.LState) int64 {
		if s, isString := L.Get(1).(lua.LString); isString {
			return int64(len(s)) * compileCost
		}
		return 0
	}
	wrap(base, "loadstring", compile, nil)
	wrap(base, "load", compile, nil)
}

func tableLen(v lua.LValue) int {
	if t, isTable := v.(*lua.LTable); isTable {
		return t.Len()
	}
	return 0
}

// stringArgBytes charges for the strings a builtin was given.
func stringArgBytes(L *lua.LState) int64 {
	n := 0
	for i := 1; i <= L.GetTop(); i++ {
		if s, isString := L.Get(i).(lua.LString); isString {
			n += len(s)
		}
	}
	return int64(n / bytesPerCharge)
}

// stringResultBytes charges for the strings a builtin returned (its n
// results are on top of the stack).
func stringResultBytes(L *lua.LState, results int) int64 {
	n := 0
	for i := L.GetTop() - results + 1; i <= L.GetTop(); i++ {
		if s, isString := L.Get(i).(lua.LString); isString {
			n += len(s)
		}
	}
	return int64(n / bytesPerCharge)
}

// chargingHost charges the running task for each call it makes of the
// host.
type chargingHost struct {
	Host
	in *Instance
}

// Spawn charges a spawn to the spawner's budget, for its turns and
// cpu_total, but a spawn the host accepted not to its run without waiting
// (cpu_run): a process that spawns 100,000 children in one loop is setting
// up, bounded by the processes and spawns_per_second quotas, not running
// away (cpu_run's 2e8 ended it at the 100,000th spawn). A refused spawn
// counts: a loop of them is a runaway.
func (h chargingHost) Spawn(process uint32, req []byte) (string, *Error) {
	h.in.debit(spawnCost)
	pid, err := h.Host.Spawn(process, req)
	if t := h.in.current(); err == nil && t != nil {
		t.sinceWait -= spawnCost
	}
	return pid, err
}

func (h chargingHost) Send(process uint32, dest, topic string, payload []byte) (uint32, *Error) {
	h.in.debit(hostCallCost + int64(len(payload)/bytesPerCharge))
	return h.Host.Send(process, dest, topic, payload)
}

func (h chargingHost) Control(process uint32, op abi.ControlOp, dest string, arg int64) (string, *Error) {
	h.in.debit(hostCallCost)
	return h.Host.Control(process, op, dest, arg)
}

func (h chargingHost) Registry(process uint32, op abi.RegistryOp, name, pid string) (string, *Error) {
	h.in.debit(hostCallCost)
	return h.Host.Registry(process, op, name, pid)
}

// Security charges a policy question as the work it may cost the host.
func (h chargingHost) Security(process uint32, op abi.SecurityOp, action, resource string) (string, *Error) {
	if op == abi.OpCan {
		h.in.debit(canCost)
	} else {
		h.in.debit(identityCost)
	}
	return h.Host.Security(process, op, action, resource)
}

func (h chargingHost) Source(process uint32, id string) (string, *Error) {
	h.in.debit(hostCallCost)
	return h.Host.Source(process, id)
}

func (h chargingHost) Log(process uint32, line string) {
	h.in.debit(hostCallCost + int64(len(line)/bytesPerCharge))
	h.Host.Log(process, line)
}

func (h chargingHost) Timer(process uint32, id uint32, ms int64) {
	h.in.debit(hostCallCost)
	h.Host.Timer(process, id, ms)
}
