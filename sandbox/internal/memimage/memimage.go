// Package memimage makes instantiating wasm modules with many data segments
// cheap by replacing the data section with a copy-on-write memory image.
//
// Go's wasip1 linker emits tens of thousands of tiny active data segments.
// wazero evaluates and copies every one of them on each instantiation and
// keeps a slice header per segment per instance, which makes instantiating a
// Go-built module cost milliseconds and megabytes. This package instead
// flattens all active segments into one initial memory image (Split), keeps
// that image in an anonymous file (NewImage) and gives wazero a linear-memory
// allocator (Image.Allocator) that maps the image privately over the start of
// each new memory. Pages the guest never writes stay shared between all
// instances through the page cache; the first write to a page copies it.
//
// Typical use:
//
//	module, im, err := memimage.Prepare(wasm)
//	if err != nil {
//		log(err) // informational: module is still the original and usable
//	}
//	defer im.Close() // nil-safe
//	compiled, _ := runtime.CompileModule(ctx, module)
//	ictx := experimental.WithMemoryAllocator(ctx, im.Allocator()) // no-op for a nil Image
//	mod, _ := runtime.InstantiateModule(ictx, compiled, cfg)
//
// The allocator context must only be used to instantiate the module the image
// was split from: any other module instantiated with it would start with the
// image in its memory.
//
// Lifetime rules that come from wazero's allocator contract:
//
//   - wazero calls LinearMemory.Free when the module is closed, and this
//     package unmaps the memory right there. A module must therefore not be
//     closed while one of its functions is running on another goroutine, and
//     a host function that closes its calling module must not return normally
//     afterwards (it should panic, as WASI proc_exit does), because the guest
//     would resume on unmapped memory. Closing via WithCloseOnContextDone is
//     safe: wazero defers freeing to the goroutine running the guest.
//   - Slices returned by api.Memory.Read are invalid once the module is closed.
package memimage

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// DefaultMaxImage is the largest initial memory image Prepare accepts. Go
// programs have a few MiB of static data; anything much larger is more likely
// a hostile or broken module than a real program, and rejecting it bounds the
// memory Split allocates for untrusted input.
const DefaultMaxImage = 64 << 20

var (
	// ErrMalformed reports that the input is not a well-formed wasm binary as
	// far as Split could tell.
	ErrMalformed = errors.New("malformed wasm module")

	// ErrNotSplittable reports a well-formed module whose data section cannot
	// be replaced by a memory image without changing its behaviour (for
	// example passive segments or an imported memory), or whose image would
	// exceed the size limit. The module should be instantiated unchanged.
	ErrNotSplittable = errors.New("data section cannot be replaced by a memory image")

	// ErrUnsupported reports that copy-on-write memory images are not
	// available on this platform. It wraps errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("memimage: copy-on-write memory images are not supported on this platform: %w", errors.ErrUnsupported)

	// ErrClosed is the panic value (wrapped) when a memory is allocated from
	// an Image that has already been closed.
	ErrClosed = errors.New("memimage: image is closed")
)

// Image holds an initial memory image in a file descriptor that can be mapped
// copy-on-write. On Linux that is a sealed memfd; if memfd_create is
// unavailable it is a temporary file that is unlinked right after it is
// created, so nothing is left behind on disk. On other platforms NewImage
// fails with ErrUnsupported.
//
// An Image is safe for concurrent use. Memories that were already allocated
// keep working after Close: each mapping holds its own reference to the file.
type Image struct {
	f *os.File
	// conn gives access to the descriptor without racing with Close: the os
	// package keeps the descriptor open until Control returns.
	conn   syscall.RawConn
	size   int
	closed atomic.Bool

	closeOnce sync.Once
	closeErr  error
}

// Len returns the length of the image in bytes. It is 0 for a nil Image.
func (im *Image) Len() int {
	if im == nil {
		return 0
	}
	return im.size
}

// Close releases the image's file descriptor. Memories already allocated from
// the image stay valid; allocating new ones panics with ErrClosed. Close is
// idempotent and safe to call on a nil Image.
func (im *Image) Close() error {
	if im == nil {
		return nil
	}
	im.closeOnce.Do(func() {
		im.closed.Store(true)
		if im.f != nil {
			im.closeErr = im.f.Close()
		}
	})
	return im.closeErr
}

// Allocator returns an experimental.MemoryAllocator whose memories start with
// the image mapped copy-on-write; pages untouched by the guest stay shared
// between instances. Install it with experimental.WithMemoryAllocator on the
// context passed to InstantiateModule.
//
// For a nil Image, Allocator returns a nil interface, which
// experimental.WithMemoryAllocator ignores, so callers can install it
// unconditionally.
//
// wazero gives an allocator no way to report an error: it calls Allocate and
// then Reallocate(minimum size), and a nil result makes it panic with an
// index-out-of-range error. The allocator therefore panics itself, with an
// error value wrapping the cause, when the memory cannot be set up: the image
// was closed (ErrClosed), the address space cannot be reserved, or the memory
// is too small to hold the image (the allocator is used for a module other
// than the one the image came from). The panic unwinds out of
// InstantiateModule on the calling goroutine, before the module is
// registered, so a caller may recover from it.
func (im *Image) Allocator() experimental.MemoryAllocator {
	if im == nil {
		return nil
	}
	return allocator{im: im}
}

// allocator implements experimental.MemoryAllocator; Allocate is defined per
// platform.
type allocator struct{ im *Image }

// Prepare is what the sandbox calls: it splits wasm and builds an Image; on
// any failure (or non-Linux) it returns the original module and a nil Image so
// the caller instantiates normally.
//
// A non-nil err is informational only: it explains why the optimisation was
// skipped, and module is always safe to compile and instantiate. When the
// module has nothing to map (no data section, or only empty segments) Prepare
// returns a nil Image and a nil error. The caller owns a non-nil Image and
// must Close it once no more instances will be created.
func Prepare(wasm []byte) (module []byte, im *Image, err error) {
	if !supported {
		// Skip the parse: the stripped module would be useless without an
		// allocator to restore its data.
		return wasm, nil, ErrUnsupported
	}
	stripped, image, err := Split(wasm, DefaultMaxImage)
	if err != nil {
		return wasm, nil, err
	}
	if len(image) == 0 {
		// Either there is no data section (stripped is wasm) or every segment
		// is empty; in both cases the stripped module is complete on its own
		// because linear memory starts zeroed.
		return stripped, nil, nil
	}
	im, err = NewImage(image)
	if err != nil {
		return wasm, nil, err
	}
	return stripped, im, nil
}
