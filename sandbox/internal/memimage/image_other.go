//go:build !linux

package memimage

import "github.com/tetratelabs/wazero/experimental"

// supported is false: the copy-on-write allocator needs memfd-style anonymous
// files and MAP_FIXED mappings, implemented (and tested) only on Linux.
const supported = false

// NewImage always fails with ErrUnsupported on this platform, so callers fall
// back to instantiating the unmodified module.
func NewImage(image []byte) (*Image, error) {
	return nil, ErrUnsupported
}

// Allocate implements experimental.MemoryAllocator. It cannot be reached with
// an Image from NewImage; it panics for a zero Image built by hand.
func (a allocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	panic(ErrUnsupported)
}
