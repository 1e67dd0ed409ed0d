package memimage

import (
	"bytes"
	"errors"
	"strconv"
	"testing"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// TestExposeRestoresAnInstance is what the sandbox's snapshots rely on: the
// exposed module compiles, starts with the raised minimum, exports every
// global with its initial value, and a second instance whose globals and
// memory are set from the first continues where it left off.
func TestExposeRestoresAnInstance(t *testing.T) {
	requireImages(t)
	wasm := moduleSpec{minPages: 1, globals: 3}.build()
	exposed, n, err := Expose(wasm, 4)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("exposed %d globals, want 3", n)
	}
	ctx, r := newRuntime(t)
	compiled, err := r.CompileModule(ctx, exposed)
	if err != nil {
		t.Fatal(err)
	}
	first := instantiate(t, ctx, r, compiled)
	if got := first.Memory().Size(); got != 4*wasmPageSize {
		t.Fatalf("memory of %d bytes, want 4 pages", got)
	}
	global := func(mod api.Module, i int) api.MutableGlobal {
		g, ok := mod.ExportedGlobal(GlobalExport + strconv.Itoa(i)).(api.MutableGlobal)
		if !ok {
			t.Fatalf("global %d is not exported as mutable", i)
		}
		return g
	}
	for i := range 3 {
		if got := global(first, i).Get(); got != uint64(7*(i+1)) {
			t.Fatalf("global %d = %d, want %d", i, got, 7*(i+1))
		}
		global(first, i).Set(uint64(100 + i))
	}
	call(t, ctx, first, "store", 3*wasmPageSize+5, 42)

	// Restore: the first instance's memory as the image, its globals set.
	view, _ := first.Memory().Read(0, first.Memory().Size())
	im, err := NewImage(bytes.Clone(view))
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	second := instantiate(t, experimental.WithMemoryAllocator(ctx, im.Allocator()), r, compiled)
	for i := range 3 {
		global(second, i).Set(global(first, i).Get())
		if got := global(second, i).Get(); got != uint64(100+i) {
			t.Fatalf("restored global %d = %d", i, got)
		}
	}
	if got := call(t, ctx, second, "load", 3*wasmPageSize+5); got != 42 {
		t.Fatalf("restored memory holds %d, want 42", got)
	}
	// Copies are independent.
	call(t, ctx, second, "store", 3*wasmPageSize+5, 7)
	if got := call(t, ctx, first, "load", 3*wasmPageSize+5); got != 42 {
		t.Fatalf("a write to the copy reached the original: %d", got)
	}
}

func TestExposeKeepsALargerMinimum(t *testing.T) {
	exposed, _, err := Expose(moduleSpec{minPages: 9}.build(), 4)
	if err != nil {
		t.Fatal(err)
	}
	ctx, r := newRuntime(t)
	compiled, err := r.CompileModule(ctx, exposed)
	if err != nil {
		t.Fatal(err)
	}
	if got := instantiate(t, ctx, r, compiled).Memory().Size(); got != 9*wasmPageSize {
		t.Fatalf("memory of %d bytes, want 9 pages", got)
	}
}

func TestExposeRefuses(t *testing.T) {
	importsGlobal := cat(wasmHeader, section(sectionImport, vector(cat(name("env"), name("g"), []byte{0x03, 0x7f, 0x00}))))
	exposed, _, _ := Expose(moduleSpec{minPages: 1, globals: 1}.build(), 1)
	whole := moduleSpec{minPages: 1}.build()
	for _, c := range []struct {
		name string
		wasm []byte
		want error
	}{
		{"maximum below the minimum", moduleSpec{minPages: 1, maxPages: 2}.build(), ErrNotSplittable},
		{"imported global", cat(importsGlobal, moduleSpec{minPages: 1}.build()[len(wasmHeader):]), ErrNotSplittable},
		{"already exposed", exposed, ErrNotSplittable},
		{"truncated", whole[:len(whole)-3], ErrMalformed},
		{"not wasm", []byte("hello, world"), ErrMalformed},
		// A global count of 2^32-1 in a 5-byte section: FuzzExpose spent
		// 38 s on such an input.
		{"lying global count", cat(wasmHeader, []byte{5, 3, 1, 0, 1}, []byte{6, 5, 0xff, 0xff, 0xff, 0xff, 0x0f}, []byte{7, 1, 0}), ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, n, err := Expose(c.wasm, 4)
			if !errors.Is(err, c.want) || out != nil || n != 0 {
				t.Fatalf("Expose = %d bytes, %d, %v; want %v", len(out), n, err, c.want)
			}
		})
	}
}

func FuzzExpose(f *testing.F) {
	f.Add(moduleSpec{minPages: 1, globals: 2}.build(), uint8(4))
	f.Add(moduleSpec{minPages: 3, maxPages: 9, globals: 1}.build(), uint8(2))
	f.Add(testModule(), uint8(1))
	f.Fuzz(func(t *testing.T, wasm []byte, minPages uint8) {
		exposed, n, err := Expose(wasm, uint32(minPages))
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotSplittable) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			return
		}
		if _, err := scanSections(exposed); err != nil {
			t.Fatalf("exposed module does not scan: %v", err)
		}
		// Exposing twice is refused once there is a global to export.
		if _, _, err := Expose(exposed, uint32(minPages)); n > 0 && !errors.Is(err, ErrNotSplittable) {
			t.Fatalf("second Expose: %v", err)
		}
	})
}
