package sandbox

import _ "embed"

// guestWasm is the guest built by `make guest`: committed, so that `go
// install` and a fresh clone need no wasm toolchain; `make check-guest`
// rebuilds it and fails if the committed file differs.
//
//go:embed guest.wasm
var guestWasm []byte

// GuestWasm returns the embedded guest module.
func GuestWasm() []byte { return guestWasm }
