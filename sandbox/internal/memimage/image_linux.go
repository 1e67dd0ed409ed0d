//go:build linux

package memimage

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// supported is false on 32-bit Linux, where a wasm memory's 4 GiB maximum
// cannot be reserved in the address space.
const supported = strconv.IntSize == 64

var pageSize = uintptr(os.Getpagesize())

// NewImage copies image into an anonymous file that memories allocated by
// Image.Allocator map copy-on-write. It fails with ErrUnsupported on 32-bit
// platforms.
func NewImage(image []byte) (*Image, error) {
	if !supported {
		return nil, ErrUnsupported
	}
	f, err := newMemfd(image)
	if err != nil {
		// memfd_create may be missing (kernels before 3.17) or forbidden by
		// a seccomp filter; an unlinked temporary file works everywhere.
		var tmpErr error
		if f, tmpErr = newUnlinkedTemp(image); tmpErr != nil {
			return nil, fmt.Errorf("memimage: creating image file: %w", errors.Join(err, tmpErr))
		}
	}
	conn, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("memimage: %w", err)
	}
	return &Image{f: f, conn: conn, size: len(image)}, nil
}

// newMemfd stores image in a sealed memfd. A MAP_PRIVATE mapping shows later
// changes to the file in every page the guest has not written yet, and
// shrinking the file turns mapped pages into SIGBUS, so the file must never
// change once instances exist. Sealing makes the kernel enforce that.
func newMemfd(image []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("moonbox-memimage", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "memfd:moonbox-memimage")
	if _, err := f.Write(image); err != nil {
		f.Close()
		return nil, fmt.Errorf("writing memfd: %w", err)
	}
	const seals = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("sealing memfd: %w", err)
	}
	return f, nil
}

// newUnlinkedTemp stores image in a temporary file that is unlinked before
// anything is written to it, so nothing is left behind if the process dies.
// It cannot be sealed, but no other process can open it any more and this
// package never writes to it again.
func newUnlinkedTemp(image []byte) (*os.File, error) {
	f, err := os.CreateTemp("", "moonbox-memimage-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Write(image); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Allocate implements experimental.MemoryAllocator. capacity is only wazero's
// suggestion for the initial allocation and is ignored: the whole maximum is
// reserved up front, so the memory never moves.
func (a allocator) Allocate(capacity, max uint64) experimental.LinearMemory {
	m, err := a.im.newLinearMemory(max)
	if err != nil {
		// wazero has no error path here (see Image.Allocator).
		panic(err)
	}
	return m
}

// linearMemory is a wasm memory backed by a reservation of max bytes whose
// first pages map the image privately. The reservation is PROT_NONE beyond
// the memory's current length and is made accessible as the memory grows.
//
// Why PROT_NONE instead of one read-write MAP_NORESERVE mapping: with
// vm.overcommit_memory=2 the kernel ignores MAP_NORESERVE and would charge
// the whole (typically 4 GiB) maximum against the commit limit for every
// instance, failing after a few instances. Inaccessible mappings are never
// charged, so only pages the memory actually spans count. It also makes a
// stray access past the memory's end fault instead of silently succeeding.
type linearMemory struct {
	base      unsafe.Pointer // start of the reservation; nil once freed
	reserved  uintptr        // bytes reserved at base
	committed uintptr        // length of the accessible prefix, page-aligned
	max       uint64         // largest size Reallocate grants
	imageLen  uint64
	cleanup   runtime.Cleanup
}

func (im *Image) newLinearMemory(max uint64) (*linearMemory, error) {
	imageLen := uint64(im.size)
	if im.closed.Load() {
		return nil, ErrClosed
	}
	if max < imageLen {
		return nil, fmt.Errorf("memimage: the memory's maximum of %d bytes cannot hold the %d-byte image; "+
			"the allocator is being used for a module other than the one the image was split from", max, imageLen)
	}
	// wazero memories are at most 4 GiB; the bound only keeps the rounding
	// below from overflowing.
	if max > math.MaxInt32*uint64(wasmPageSize) {
		return nil, fmt.Errorf("memimage: memory maximum of %d bytes is too large", max)
	}
	// mmap rejects zero-length mappings; a memory with max 0 still gets a
	// page so that Reallocate(0) returns a non-nil empty slice.
	reserved := roundUp(uintptr(max), pageSize)
	if reserved == 0 {
		reserved = pageSize
	}
	base, err := unix.MmapPtr(-1, 0, nil, reserved, unix.PROT_NONE,
		unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, fmt.Errorf("memimage: reserving %d bytes of address space: %w", reserved, err)
	}

	var committed uintptr
	if imageLen > 0 {
		// Map only whole pages that overlap the file: the tail of the last
		// page reads as zeros, but a page entirely past the end of the file
		// would raise SIGBUS.
		committed = roundUp(uintptr(imageLen), pageSize)
		var mapErr error
		ctlErr := im.conn.Control(func(fd uintptr) {
			var p unsafe.Pointer
			p, mapErr = unix.MmapPtr(int(fd), 0, base, committed,
				unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
			if mapErr == nil && p != base {
				mapErr = fmt.Errorf("kernel placed the image at %p instead of %p", p, base)
			}
		})
		if err := errors.Join(ctlErr, mapErr); err != nil {
			_ = unix.MunmapPtr(base, reserved)
			if im.closed.Load() {
				return nil, fmt.Errorf("%w: %w", ErrClosed, err)
			}
			return nil, fmt.Errorf("memimage: mapping the image: %w", err)
		}
	}

	m := &linearMemory{base: base, reserved: reserved, committed: committed, max: max, imageLen: imageLen}
	// wazero calls Free when the module is closed, but not when
	// instantiation fails after the memory was built (for example a trapping
	// start function), and not for modules that are dropped without Close.
	// Without this backstop each such case would leak up to 4 GiB of address
	// space. It is safe because wazero references the LinearMemory from the
	// memory instance until Free, so m stays reachable while anything can
	// still use the mapping.
	m.cleanup = runtime.AddCleanup(m, unmapRegion, region{base, reserved})
	return m, nil
}

// region is the argument of the cleanup: it must not point to the
// linearMemory itself, or the linearMemory would never become unreachable.
type region struct {
	base unsafe.Pointer
	len  uintptr
}

func unmapRegion(r region) { _ = unix.MunmapPtr(r.base, r.len) }

// Reallocate implements experimental.LinearMemory. It returns the memory's
// first size bytes, or nil if size exceeds the maximum or the kernel refuses
// to make the pages accessible; wazero then fails memory.grow with -1. The
// address never changes, so the memory can also back a shared memory.
func (m *linearMemory) Reallocate(size uint64) []byte {
	if m.base == nil || size > m.max {
		return nil
	}
	if size < m.imageLen {
		// Only the initial Reallocate(minimum) can be this small. Returning
		// it would hide part of the image until the guest grows memory, and
		// returning nil makes wazero fail with an index-out-of-range panic;
		// a clear panic is better. Split rejects such modules, so this means
		// the image belongs to a different module.
		panic(fmt.Errorf("memimage: initial memory of %d bytes is smaller than the %d-byte image; "+
			"the allocator is being used for a module other than the one the image was split from", size, m.imageLen))
	}
	if want := roundUp(uintptr(size), pageSize); want > m.committed {
		grow := unsafe.Slice((*byte)(unsafe.Add(m.base, m.committed)), want-m.committed)
		if err := unix.Mprotect(grow, unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return nil // ENOMEM under strict overcommit: a clean memory.grow failure
		}
		m.committed = want
	}
	// Capacity equals length so nothing can reslice into inaccessible pages.
	return unsafe.Slice((*byte)(m.base), size)
}

// Free implements experimental.LinearMemory. wazero calls it when the module
// is closed; it unmaps the memory, dropping the guest's private pages and its
// reference to the image. Further calls do nothing.
func (m *linearMemory) Free() {
	if m.base == nil {
		return
	}
	m.cleanup.Stop()
	_ = unix.MunmapPtr(m.base, m.reserved)
	m.base = nil
	m.committed = 0
}

func roundUp(n, to uintptr) uintptr { return (n + to - 1) &^ (to - 1) }
