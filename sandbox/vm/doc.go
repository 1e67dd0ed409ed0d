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
// another. A process's main function runs as a task: a Lua thread the
// scheduler resumes until it blocks, finishes or has used its slice of
// instructions. A task blocked at the outermost level of its code is
// suspended as a coroutine and holds no goroutine; one blocked inside pcall,
// a metamethod, a sort comparator or a coroutine keeps a goroutine for its Go
// frames until it next waits at the outermost level (scheduler.go), so
// blocking calls (receive, select, sleep, call) work anywhere. Only one task
// runs at a time. Instruction counting rides on a countdown gopher-lua
// decrements before every instruction.
//
// The host drives an Instance with [Instance.Step]: a batch of records (start
// this process, deliver that message, kill that one; see abi.RecordKind) and
// an instruction budget for the turn.
package vm
