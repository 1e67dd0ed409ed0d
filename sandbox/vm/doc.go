// Package vm is the guest runtime of Moonbox: Lua processes (actors) running
// as threads of one shared gopher-lua state, scheduled cooperatively, talking
// to the world only through a [Host].
//
// The same package runs in two places. Compiled into the wasm guest
// (sandbox/guest), its Host is the set of wasm imports and the sandbox walls
// it in. Compiled into the host process, its Host is a direct call: that is the
// native mode, the baseline every benchmark is measured against and an option
// for trusted tenants. Either way the semantics are the same.
//
// # Model
//
// An [Instance] holds many processes. Each process has its own global
// environment (_ENV), falling back to the shared standard library, which is
// copied into the process on first touch so no process can change it for
// another. A process's main function runs in its own goroutine (a task), so
// blocking calls (receive, select, sleep) work anywhere: inside pcall,
// metamethods, sort comparators and coroutines. Only one task runs at a time:
// the scheduler hands a baton to a task and waits until it blocks, finishes
// or has used its slice of instructions. Instruction counting rides on
// gopher-lua's per-instruction ctx.Done() call.
//
// The host drives an Instance with [Instance.Step]: a batch of records (start
// this process, deliver that message, kill that one; see abi.RecordKind) and
// an instruction budget for the turn.
package vm
