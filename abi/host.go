package abi

// Host is what the runtime needs from outside: the ABI imports. In the wasm
// guest each method is a wasm import; in native mode the host implements it
// directly. Methods never block. Process arguments are guest-side handles.
type Host interface {
	// Spawn starts a process from a CBOR spawn request and returns its PID.
	Spawn(process uint32, req []byte) (string, *Error)
	// Send routes a message; payload is a CBOR array of values. A non-zero
	// local is the handle of the receiver, a process of this instance, when
	// the host made its checks but left the delivery to the guest (see
	// abi/ABI.md, send): the caller delivers it at once.
	Send(process uint32, dest, topic string, payload []byte) (local uint32, err *Error)
	// Exit reports that a process finished; value is one CBOR value (an error
	// object when abnormal).
	Exit(process uint32, abnormal bool, value []byte)
	// Control performs a lifecycle operation (see ControlOp).
	Control(process uint32, op ControlOp, dest string, arg int64) (string, *Error)
	// Registry performs a name registry operation (see RegistryOp).
	Registry(process uint32, op RegistryOp, name, pid string) (string, *Error)
	// Security answers about the calling process's own security identity
	// and rights (see SecurityOp).
	Security(process uint32, op SecurityOp, action, resource string) (string, *Error)
	// Source returns the text of a source in the process's bundle.
	Source(process uint32, id string) (string, *Error)
	// Tick is called every TickInstructions units of work; ticks is how
	// many such periods the process ran since its last tick (more than one
	// when a builtin charged past a period). A status other than OK stops
	// the process now (Timeout: its CPU budget is spent); Yield ends
	// the turn.
	Tick(process uint32, ticks uint32) Status
	// Log writes one line of print output.
	Log(process uint32, line string)
	// Timer asks for a RecordTimer for the process after ms milliseconds.
	Timer(process uint32, id uint32, ms int64)
	// Consumed reports how many messages processes took from their mailboxes
	// (inbox and listen channels) during a step; the host bounds mailboxes.
	Consumed(counts []Consumption)
}

// Consumption is the number of messages one process took from its mailbox.
type Consumption struct {
	Process uint32
	Count   uint32
}
