// Package sandbox runs the Moonbox guest (sandbox/guest, embedded as
// guest.wasm) in wazero. An Engine compiles the guest once per process (with
// a compilation cache on disk) and makes Instances cheaply: the guest's data
// segments are mapped copy-on-write from one image (sandbox/internal/memimage)
// instead of being copied per instance. An Instance serves many processes of
// one tenant shard; its imports check every pointer and length the guest
// passes and hand the call to a abi.Host, the same interface the native mode
// calls directly.
package sandbox
