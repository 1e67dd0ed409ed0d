package abi

// Version is the ABI version a guest reports through [ExportVersion]. The host
// refuses a guest with another version rather than guess at its layout.
const Version = 7 // 7: a START carries its spawn-tree lineage, moonbox_init takes memory_run; 6: send may hand a local delivery back; 5: moonbox_init takes the memory cap and cpu_run

// Module is the import module name every host function lives under.
const Module = "moonbox"

// The imports: functions the host provides to the guest. Parameters are wasm
// i32 unless noted; (ptr, len) pairs address the guest's linear memory; `out`
// is an output buffer (ptr, cap) and the i64 result is packed by [Pack].
// `process` is the guest-side handle of the calling process, which the host
// checks belongs to the calling instance and is alive.
const (
	// spawn(process, req_ptr, req_len, out_ptr, out_cap) -> i64
	// req is a CBOR map (see [SpawnRequest] keys); the result is the child's PID.
	ImportSpawn = "spawn"
	// send(process, dest_ptr, dest_len, topic_ptr, topic_len, payload_ptr, payload_len, out_ptr, out_cap) -> i64
	// dest is a PID or registered name; payload a CBOR array of values. No result bytes.
	ImportSend = "send"
	// exit(process, abnormal, value_ptr, value_len)
	// Reports that a process has finished. value is one CBOR value: the exit
	// value on a normal exit, an error object on an abnormal one.
	ImportExit = "exit"
	// control(process, op, dest_ptr, dest_len, arg i64, out_ptr, out_cap) -> i64
	// Lifecycle operations on another process or on the caller, see [ControlOp].
	ImportControl = "control"
	// registry(process, op, name_ptr, name_len, pid_ptr, pid_len, out_ptr, out_cap) -> i64
	// Name registry operations, see [RegistryOp].
	ImportRegistry = "registry"
	// security(process, op, action_ptr, action_len, resource_ptr, resource_len, out_ptr, out_cap) -> i64
	// The caller's own security identity and rights, see [SecurityOp]. The
	// host answers from what it holds; nothing the guest says widens it.
	ImportSecurity = "security"
	// source(process, id_ptr, id_len, out_ptr, out_cap) -> i64
	// The text of a source in the caller's bundle (for require). If the text is
	// longer than out_cap nothing is written and the result carries the length
	// needed; the guest retries with a bigger buffer.
	ImportSource = "source"
	// tick(process, ticks) -> i32
	// Called every TickInstructions units of work (instructions, and Go work
	// charged as instructions); ticks is how many such periods ran since the
	// last call (process 0, ticks 0: the scheduler). 0: go on. Yield: end
	// the turn (other instances wait for the shard). Any other status: the
	// process must stop now (TIMEOUT: its CPU budget is spent).
	ImportTick = "tick"
	// log(process, ptr, len)
	// One line of the process's print output.
	ImportLog = "log"
	// timer(process, id, ms i64)
	// Asks for a [RecordTimer] record for the process after ms milliseconds.
	ImportTimer = "timer"
	// consumed(ptr, len)
	// Reports messages processes took from their mailboxes during a step, so
	// the host can bound mailboxes: len/8 pairs of (process u32, count u32),
	// little-endian. Called at most once per step.
	ImportConsumed = "consumed"
)

// The exports: functions the guest provides to the host.
const (
	// moonbox_version() -> i32: the guest's [Version].
	ExportVersion = "moonbox_version"
	// moonbox_init(soft_limit i64, seed i64, memory_cap i64, cpu_run i64,
	// memory_run i64): called before the first step; a process running while
	// the guest heap exceeds soft_limit bytes is ended with "memory limit
	// exceeded" (0: no limit); seed seeds math.random; memory_cap is the
	// linear memory's cap in bytes (a builtin refuses an allocation that
	// would need memory past it); a process that runs cpu_run instructions
	// without waiting is ended with TIMEOUT, one that grows the heap by
	// memory_run bytes without waiting with "memory limit exceeded" (0: no
	// limit). The first call builds the guest's runtime; a host may call
	// it once with a zero limit, snapshot the instance, and call it again on
	// each instance started from the snapshot.
	ExportInit = "moonbox_init"
	// moonbox_buffer(size) -> ptr: a guest buffer of at least size bytes for
	// the host to write a batch of records into. Valid until the next call.
	ExportBuffer = "moonbox_buffer"
	// moonbox_step(len, budget i64) -> i32: apply the len bytes of records in
	// the buffer, then run processes until all are blocked or budget Lua
	// instructions are spent. The result has [StepMore] set when processes are
	// still runnable.
	ExportStep = "moonbox_step"
	// moonbox_memory(collect) -> i64: bytes of guest heap in use (for limits
	// and figures); collect != 0 first runs a full collection, which stalls
	// every process of the instance: for measurements only.
	ExportMemory = "moonbox_memory"
	// moonbox_waits() -> i64: what every live process's tasks wait on, for
	// the report of a stuck run (moonbox run on a timeout or when every
	// process is blocked). The result is ptr << 32 | len of a CBOR array of
	// [handle, [text, ...]] pairs in guest memory, valid until the next call.
	// Optional: a host calls it between steps only, and a guest without it
	// is only less informative.
	ExportWaits = "moonbox_waits"
)

// StepMore is set in moonbox_step's result when the guest has runnable
// processes left: the host must call it again soon, even with no new records.
const StepMore = 1

// ControlOp selects what the control import does.
type ControlOp uint32

const (
	OpTerminate ControlOp = iota + 1 // forced abnormal exit of dest; result TerminateSelf when dest is the caller
	OpCancel                         // CANCEL event to dest; arg = deadline in ms (<0: none)
	OpMonitor                        // caller monitors dest
	OpUnmonitor                      // caller stops monitoring dest
	OpLink                           // link caller and dest
	OpUnlink                         // remove the link
	OpTrapLinks                      // arg != 0: caller traps links (dest unused)
	OpUpgrade                        // caller now runs source dest; result: its text
)

// TerminateSelf is the result of OpTerminate when the destination is the
// caller itself: the guest must end the caller at once (abnormal exit,
// CANCELED, "terminated"), since no later record could stop it in time.
const TerminateSelf = "self"

// RegistryOp selects what the registry import does.
type RegistryOp uint32

const (
	OpRegister   RegistryOp = iota + 1 // name -> pid (pid empty: the caller)
	OpLookup                           // result: the PID holding name
	OpUnregister                       // result: "1" if a name was removed, "" if not
)

// SecurityOp selects what the security import does. Both ask about the
// caller only: no operation names another process.
type SecurityOp uint32

const (
	// OpIdentity: the caller's security identity as a CBOR map with text
	// keys (Identity*): its actor, the actor's meta when its spawner gave
	// one, its scope when it has one. action and resource are unused. A
	// result longer than out_cap is not written; retry with the length.
	OpIdentity SecurityOp = iota + 1
	// OpCan: may the caller (its actor and scope) do action on resource
	// under its tenant's policy? Result "1" for yes, "" for no; INVALID for
	// an empty action or resource, or an unknown action of the runtime's
	// (process.*).
	OpCan
)

// Identity keys: the CBOR map OpIdentity returns.
const (
	IdentityActor = "actor" // text: the security actor policy checks use
	IdentityMeta  = "meta"  // map: the actor's meta (absent when none)
	IdentityScope = "scope" // array of text: the scope's roles (absent when none)
)

// Spawn request keys (a CBOR map with text keys).
const (
	SpawnID       = "id"       // text: source ID
	SpawnHost     = "host"     // text: host ID
	SpawnArgs     = "args"     // CBOR array: the arguments of main
	SpawnMonitor  = "monitor"  // bool: the caller monitors the child
	SpawnLink     = "link"     // bool: caller and child are linked
	SpawnContext  = "context"  // map: values for ctx.get/ctx.all
	SpawnActor    = "actor"    // text, or a map {id = text, meta = map}: security actor of the child
	SpawnScope    = "scope"    // array of text: roles the child is limited to
	SpawnName     = "name"     // text: register the child under this name
	SpawnMessages = "messages" // array of [topic, payload array]: sent before anything else
	SpawnCall     = "call"     // bool: the caller waits for the exit (process.call)
)

// TickInstructions is how many Lua instructions (or work charged as that
// many) a process runs between two calls of the tick import: the unit of
// CPU accounting, and how long (at most) a busy instance keeps others
// waiting for its shard.
const TickInstructions = 2_000

// SpawnTreeDepth is the most levels of the spawn tree a RecordStart's
// lineage holds: a process deeper than that shares the CPU slot of its
// ancestor at this depth (bounded work a scheduling decision).
const SpawnTreeDepth = 8

// Limits every host enforces on what crosses the boundary.
const (
	MaxTopic   = 256     // bytes of a topic
	MaxName    = 256     // bytes of a registered name or PID
	MaxPayload = 1 << 20 // bytes of one message payload or spawn request
	MaxSource  = 4 << 20 // bytes of one Lua source
	MaxDepth   = 64      // nesting of tables in a value
)

// MaxDurationMs bounds every duration a process can ask for (a cancel
// deadline, a timer), in milliseconds: a year. Beyond it, milliseconds
// overflow time.Duration and a far deadline would fire at once.
const MaxDurationMs = 365 * 24 * 3600 * 1000
