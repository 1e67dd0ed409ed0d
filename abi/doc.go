// Package abi is the contract between a Moonbox guest (the Lua runtime running
// inside a wasm sandbox) and the host. It is the one place both sides agree on:
// the names and signatures of the wasm imports and exports, the status codes
// that cross the boundary, the layout of the records the host hands the guest,
// and the CBOR wire format of Lua values.
//
// The package is pure Go with no third-party imports and builds for linux and
// wasip1 alike. Someone writing another guest (in another language) needs only
// this package's documentation; see ABI.md next to this file for the prose
// version of the contract.
//
// # Calling convention
//
// Every import is non-blocking: it validates its arguments, enqueues work and
// returns. Strings and byte slices cross as (pointer, length) pairs of i32 into
// the guest's linear memory. Imports that produce a result take an output
// buffer (pointer, capacity) and return an i64 packed by [Pack]: the status in
// the high 32 bits, the number of bytes written in the low 32 bits. On success
// the bytes are the result (a PID, say); on failure they are the error message,
// truncated to the buffer's capacity.
//
// The host drives the guest through one export, [ExportStep]: it writes a batch
// of records (see [RecordKind]) into the buffer obtained from [ExportBuffer],
// and the guest applies them and runs its processes until all are blocked or
// the turn's instruction budget is spent.
package abi
