//go:build linux

package memimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + 1)
	}
	return b
}

// mustPanic runs f and returns the error it panicked with.
func mustPanic(t *testing.T, f func()) (err error) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("did not panic")
		}
		var ok bool
		if err, ok = r.(error); !ok {
			t.Fatalf("panicked with %T %v, want an error", r, r)
		}
	}()
	f()
	return nil
}

func TestLinearMemory(t *testing.T) {
	requireImages(t)
	const imageLen = 5000 // not a multiple of the page size
	img := pattern(imageLen)
	im, err := NewImage(img)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	alloc := im.Allocator()

	// wazero passes the maximum as max, up to 4 GiB for modules without one.
	lm := alloc.Allocate(65536, 4<<30)
	defer lm.Free()
	buf := lm.Reallocate(65536)
	if len(buf) != 65536 || cap(buf) != 65536 {
		t.Fatalf("len %d cap %d", len(buf), cap(buf))
	}
	if !bytes.Equal(buf[:imageLen], img) || bytes.ContainsFunc(buf[imageLen:], func(r rune) bool { return r != 0 }) {
		t.Fatal("memory does not start with the image followed by zeros")
	}
	buf[0], buf[65535] = 0xee, 0xee

	// Another memory from the same image sees the original bytes.
	other := alloc.Allocate(65536, 65536*4)
	if b := other.Reallocate(65536); !bytes.Equal(b[:imageLen], img) {
		t.Fatal("write leaked into another memory")
	}
	other.Free()
	other.Free() // idempotent
	if b := other.Reallocate(65536); b != nil {
		t.Fatal("Reallocate after Free returned memory")
	}

	// Growing keeps the address and the contents, and new pages are usable.
	grown := lm.Reallocate(3 * 65536)
	if unsafe.SliceData(grown) != unsafe.SliceData(buf) || grown[0] != 0xee || grown[65535] != 0xee {
		t.Fatal("grow moved or lost the memory")
	}
	grown[len(grown)-1] = 1
	if b := lm.Reallocate(4<<30 + 65536); b != nil {
		t.Fatal("Reallocate beyond max succeeded")
	}

	// Misuse: the allocator belongs to a module whose memory holds the image.
	err = mustPanic(t, func() { alloc.Allocate(0, 4096) })
	if !strings.Contains(err.Error(), "cannot hold") {
		t.Fatalf("small max: %v", err)
	}
	small := alloc.Allocate(0, 65536)
	defer small.Free()
	err = mustPanic(t, func() { small.Reallocate(0) })
	if !strings.Contains(err.Error(), "smaller than") {
		t.Fatalf("small initial size: %v", err)
	}

	if err := im.Close(); err != nil {
		t.Fatal(err)
	}
	if grown[imageLen-1] != img[imageLen-1] {
		t.Fatal("Close changed a live memory")
	}
	err = mustPanic(t, func() { alloc.Allocate(65536, 65536) })
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestEmptyImageZeroMax(t *testing.T) {
	requireImages(t)
	im, err := NewImage(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	lm := im.Allocator().Allocate(0, 0)
	defer lm.Free()
	if b := lm.Reallocate(0); b == nil || len(b) != 0 {
		t.Fatalf("Reallocate(0) = %v", b)
	}
	if b := lm.Reallocate(1); b != nil {
		t.Fatal("grew past max 0")
	}
}

func TestImageIsSealed(t *testing.T) {
	requireImages(t)
	im, err := NewImage(pattern(100))
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	seals, err := unix.FcntlInt(im.f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Skipf("not a memfd (%v); fell back to a temporary file", err)
	}
	const want = unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE | unix.F_SEAL_SEAL
	if seals&want != want {
		t.Fatalf("seals %#x, want %#x", seals, want)
	}
	if _, err := im.f.WriteAt([]byte{1}, 0); err == nil {
		t.Fatal("writing to the sealed image succeeded")
	}
}

// TestTempFileFallback runs a module from an image stored in an unlinked
// temporary file, the path taken when memfd_create is unavailable.
func TestTempFileFallback(t *testing.T) {
	requireImages(t)
	wasm := testModule()
	stripped, image, err := Split(wasm, DefaultMaxImage)
	if err != nil {
		t.Fatal(err)
	}
	f, err := newUnlinkedTemp(image)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	im := &Image{f: f, conn: conn, size: len(image)}
	defer im.Close()

	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	compiled, err := r.CompileModule(ctx, stripped)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateModule(experimental.WithMemoryAllocator(ctx, im.Allocator()), compiled,
		wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	defer mod.Close(ctx)
	got, _ := mod.Memory().Read(0, uint32(len(image)))
	if !bytes.Equal(got, image) {
		t.Fatal("memory does not hold the image")
	}
}

// mapped reports whether addr lies in one of the process's mappings.
func mapped(t *testing.T, addr uintptr) bool {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Skip(err)
	}
	for line := range strings.Lines(string(maps)) {
		var lo, hi uintptr
		if _, err := fmt.Sscanf(line, "%x-%x", &lo, &hi); err == nil && lo <= addr && addr < hi {
			return true
		}
	}
	return false
}

// TestFreeOnClose checks the wazero contract this package relies on: closing
// a module calls LinearMemory.Free, which unmaps the reservation.
func TestFreeOnClose(t *testing.T) {
	requireImages(t)
	module, im, err := Prepare(testModule())
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	ctx, r := newRuntime(t)
	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateModule(experimental.WithMemoryAllocator(ctx, im.Allocator()), compiled,
		wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mod.Memory().Read(0, 1)
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if !mapped(t, base) {
		t.Fatal("memory is not mapped")
	}
	mod.Close(ctx)
	if mapped(t, base) {
		t.Fatal("memory is still mapped after Close")
	}
}

// TestUnreachableMemoryIsUnmapped checks the backstop for memories wazero
// never frees (a module dropped without Close, or an instantiation that
// fails after the memory was built).
func TestUnreachableMemoryIsUnmapped(t *testing.T) {
	requireImages(t)
	im, err := NewImage(pattern(100))
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	base := func() uintptr {
		lm := im.Allocator().Allocate(65536, 1<<30)
		return uintptr(unsafe.Pointer(unsafe.SliceData(lm.Reallocate(65536))))
	}()
	if !mapped(t, base) {
		t.Fatal("memory is not mapped")
	}
	// Cleanups run on their own goroutine some time after the collection
	// that finds the object unreachable; give it a bounded number of tries.
	for range 200 {
		runtime.GC()
		if !mapped(t, base) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("unreachable memory was never unmapped")
}
