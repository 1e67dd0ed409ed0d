package memimage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

var testSegs = []seg{
	{0, []byte("hello")},
	{100, []byte("world")},
	{3 * 4096, []byte{0xff}}, // on its own page, for copy-on-write checks
	{70000, []byte{}},        // empty: contributes nothing but must stay legal
	{65536 + 10, []byte("second page, straddling nothing")},
}

func testModule() []byte {
	return moduleSpec{minPages: 3, data: dataSection(testSegs...)}.build()
}

// requireImages skips tests that map images on platforms without support.
func requireImages(t testing.TB) {
	t.Helper()
	if !supported {
		t.Skip(ErrUnsupported)
	}
}

func newRuntime(t testing.TB) (context.Context, wazero.Runtime) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	return ctx, r
}

func instantiate(t testing.TB, ctx context.Context, r wazero.Runtime, compiled wazero.CompiledModule) api.Module {
	t.Helper()
	mod, err := r.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mod.Close(ctx) })
	return mod
}

func call(t testing.TB, ctx context.Context, mod api.Module, fn string, args ...uint64) uint64 {
	t.Helper()
	res, err := mod.ExportedFunction(fn).Call(ctx, args...)
	if err != nil {
		t.Fatalf("%s%v: %v", fn, args, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func memory(t testing.TB, mod api.Module) []byte {
	t.Helper()
	mem := mod.Memory()
	b, ok := mem.Read(0, mem.Size())
	if !ok {
		t.Fatal("reading memory failed")
	}
	return b
}

func TestSplitAndInstantiate(t *testing.T) {
	requireImages(t)
	wasm := testModule()
	stripped, image, err := Split(wasm, DefaultMaxImage)
	if err != nil {
		t.Fatal(err)
	}
	if want := expectedImage(testSegs...); !bytes.Equal(image, want) {
		t.Fatalf("image: got %d bytes, want %d bytes %q...", len(image), len(want), want[:16])
	}
	if got, want := sectionIDs(stripped), []byte{1, 3, 5, 7, 10, 0}; !bytes.Equal(got, want) {
		t.Fatalf("stripped sections %v, want %v", got, want)
	}
	// Splitting again finds nothing to do and returns its input.
	again, img2, err := Split(stripped, DefaultMaxImage)
	if err != nil || img2 != nil || &again[0] != &stripped[0] {
		t.Fatalf("re-split: image %v, err %v, same slice %v", img2, err, &again[0] == &stripped[0])
	}

	im, err := NewImage(image)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()

	ctx, r := newRuntime(t)
	plainCompiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	strippedCompiled, err := r.CompileModule(ctx, stripped)
	if err != nil {
		t.Fatal(err)
	}
	plain := instantiate(t, ctx, r, plainCompiled)
	// Without the image the stripped module's memory is all zeros: the data
	// really is gone from the module.
	if bare := instantiate(t, ctx, r, strippedCompiled); bytes.ContainsFunc(memory(t, bare), func(r rune) bool { return r != 0 }) {
		t.Fatal("stripped module without allocator has data")
	}
	cow := instantiate(t, experimental.WithMemoryAllocator(ctx, im.Allocator()), r, strippedCompiled)

	if p, c := memory(t, plain), memory(t, cow); !bytes.Equal(p, c) {
		t.Fatalf("memories differ: plain %d bytes, image %d bytes", len(p), len(c))
	}
	for _, addr := range []uint64{0, 4, 100, 3 * 4096, 65536 + 10, 65536 + 11, 70000} {
		if p, c := call(t, ctx, plain, "load", addr), call(t, ctx, cow, "load", addr); p != c {
			t.Errorf("load(%d): plain %d, image %d", addr, p, c)
		}
	}

	// Growing maps fresh zero pages after the image; the top byte must be
	// writable.
	for _, mod := range []api.Module{plain, cow} {
		if prev := call(t, ctx, mod, "grow", 2); prev != 3 {
			t.Fatalf("grow returned %d, want 3", prev)
		}
		call(t, ctx, mod, "store", 5*65536-1, 0xab)
	}
	if p, c := memory(t, plain), memory(t, cow); !bytes.Equal(p, c) {
		t.Fatalf("memories differ after grow: plain %d bytes, image %d bytes", len(p), len(c))
	}
}

func TestSplitUnsortedSegments(t *testing.T) {
	segs := []seg{{200, []byte("b")}, {0, []byte("a")}, {100, []byte{}}, {50, []byte("cc")}}
	_, image, err := Split(moduleSpec{minPages: 1, data: dataSection(segs...)}.build(), DefaultMaxImage)
	if err != nil {
		t.Fatal(err)
	}
	if want := expectedImage(segs...); !bytes.Equal(image, want) {
		t.Fatalf("image %q, want %q", image, want)
	}
}

func TestSplitNoData(t *testing.T) {
	wasm := moduleSpec{minPages: 1}.build()
	stripped, image, err := Split(wasm, DefaultMaxImage)
	if err != nil || image != nil || &stripped[0] != &wasm[0] {
		t.Fatalf("got image %v, err %v, same slice %v", image, err, &stripped[0] == &wasm[0])
	}

	// Only empty segments: the data section goes, no image is needed.
	wasm = moduleSpec{minPages: 1, data: dataSection(seg{10, nil}, seg{65536, nil})}.build()
	stripped, image, err = Split(wasm, DefaultMaxImage)
	if err != nil || image != nil || bytes.Contains(sectionIDs(stripped), []byte{sectionData}) {
		t.Fatalf("got image %v, err %v, sections %v", image, err, sectionIDs(stripped))
	}
}

func TestSplitDataCount(t *testing.T) {
	segs := []seg{{8, []byte("counted")}}
	wasm := moduleSpec{minPages: 1, dataCount: true, data: dataSection(segs...)}.build()
	stripped, image, err := Split(wasm, DefaultMaxImage)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(image, expectedImage(segs...)) {
		t.Fatalf("image %q", image)
	}
	if ids := sectionIDs(stripped); bytes.Contains(ids, []byte{sectionData}) || bytes.Contains(ids, []byte{sectionDataCount}) {
		t.Fatalf("stripped sections %v", ids)
	}
	ctx, r := newRuntime(t)
	if _, err := r.CompileModule(ctx, stripped); err != nil {
		t.Fatalf("stripped module does not compile: %v", err)
	}
}

func TestSplitErrors(t *testing.T) {
	valid := testModule()
	mod := func(data []byte) []byte { return moduleSpec{minPages: 2, data: data}.build() }
	// rawData wraps hand-written segment bytes into a data section.
	rawData := func(count uint64, segBytes ...byte) []byte {
		return section(sectionData, uleb(count), segBytes)
	}
	importMemory := cat(wasmHeader,
		section(sectionImport, vector(cat(name("env"), name("mem"), []byte{0x02, 0x00, 0x01}))),
		dataSection(seg{0, []byte("x")}))

	tests := []struct {
		name     string
		wasm     []byte
		maxImage int
		want     error
	}{
		{"empty", nil, DefaultMaxImage, ErrMalformed},
		{"truncated header", valid[:5], DefaultMaxImage, ErrMalformed},
		{"bad magic", cat([]byte("\x00wsm"), valid[4:]), DefaultMaxImage, ErrMalformed},
		{"bad version", cat(valid[:4], []byte{2, 0, 0, 0}, valid[8:]), DefaultMaxImage, ErrMalformed},
		{"section length past end", cat(wasmHeader, []byte{sectionType, 0x10, 0x00}), DefaultMaxImage, ErrMalformed},
		{"section length truncated", cat(wasmHeader, []byte{sectionType, 0x80}), DefaultMaxImage, ErrMalformed},
		{"section length LEB128 overflow", cat(wasmHeader, []byte{sectionType, 0xff, 0xff, 0xff, 0xff, 0x7f}), DefaultMaxImage, ErrMalformed},
		{"section length LEB128 too long", cat(wasmHeader, []byte{sectionType, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), DefaultMaxImage, ErrMalformed},
		{"segment offset LEB128 overflow", mod(rawData(1, 0x00, 0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x0b, 0x00)), DefaultMaxImage, ErrMalformed},
		{"unknown section", cat(valid, section(14, []byte{0})), DefaultMaxImage, ErrMalformed},
		{"duplicate data section", cat(valid, dataSection(seg{0, []byte("x")})), DefaultMaxImage, ErrMalformed},
		{"segment data truncated", mod(rawData(1, 0x00, 0x41, 0x00, 0x0b, 0x10, 'a', 'b')), DefaultMaxImage, ErrMalformed},
		{"trailing bytes in data section", mod(rawData(1, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a', 0x00)), DefaultMaxImage, ErrMalformed},
		{"too few segments", mod(rawData(2, 0x00, 0x41, 0x00, 0x0b, 0x01, 'a')), DefaultMaxImage, ErrMalformed},
		{"unknown segment flags", mod(rawData(1, 0x03, 0x41, 0x00, 0x0b, 0x00)), DefaultMaxImage, ErrMalformed},
		{"passive segment", mod(rawData(1, 0x01, 0x01, 'a')), DefaultMaxImage, ErrNotSplittable},
		{"global.get offset", mod(rawData(1, 0x00, 0x23, 0x00, 0x0b, 0x01, 'a')), DefaultMaxImage, ErrNotSplittable},
		{"extended const offset", mod(rawData(1, 0x00, 0x41, 0x01, 0x41, 0x02, 0x6a, 0x0b, 0x01, 'a')), DefaultMaxImage, ErrNotSplittable},
		{"memory index 1", mod(rawData(1, 0x02, 0x01, 0x41, 0x00, 0x0b, 0x01, 'a')), DefaultMaxImage, ErrNotSplittable},
		{"overlapping segments", mod(dataSection(seg{0, []byte("0123456789")}, seg{5, []byte("abcdefghij")})), DefaultMaxImage, ErrNotSplittable},
		{"overlapping unsorted segments", mod(dataSection(seg{100, []byte("abc")}, seg{0, make([]byte, 101)})), DefaultMaxImage, ErrNotSplittable},
		{"offset beyond maxImage", mod(dataSection(seg{70000, []byte("x")})), 65536, ErrNotSplittable},
		{"huge offset beyond maxImage", moduleSpec{minPages: 65536, data: dataSection(seg{0x7ffffff0, []byte("x")})}.build(), DefaultMaxImage, ErrNotSplittable},
		{"negative offset", mod(dataSection(seg{-16, []byte("x")})), DefaultMaxImage, ErrNotSplittable},
		{"outside initial memory", mod(dataSection(seg{2 * 65536, []byte("x")})), DefaultMaxImage, ErrNotSplittable},
		{"empty segment outside initial memory", mod(dataSection(seg{2*65536 + 1, nil})), DefaultMaxImage, ErrNotSplittable},
		{"imported memory", importMemory, DefaultMaxImage, ErrNotSplittable},
		{"no memory", cat(wasmHeader, dataSection(seg{0, []byte("x")})), DefaultMaxImage, ErrNotSplittable},
		{"data count mismatch", cat(wasmHeader, section(sectionMemory, vector([]byte{0, 1})),
			section(sectionDataCount, uleb(2)), dataSection(seg{0, []byte("x")})), DefaultMaxImage, ErrMalformed},
		{"data count and memory.init", moduleSpec{minPages: 1, dataCount: true, initCode: true,
			data: dataSection(seg{0, []byte("x")})}.build(), DefaultMaxImage, ErrNotSplittable},
		{"memory64", cat(wasmHeader, section(sectionMemory, vector([]byte{0x04, 1})), dataSection(seg{0, []byte("x")})), DefaultMaxImage, ErrNotSplittable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stripped, image, err := Split(tt.wasm, tt.maxImage)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got err %v (image %d bytes), want %v", err, len(image), tt.want)
			}
			t.Log(err)
			if stripped != nil || image != nil {
				t.Fatal("results returned along with an error")
			}
		})
	}

	// The data section count is a LEB128 u32 too.
	badCount := cat(wasmHeader, section(sectionMemory, vector([]byte{0, 1})),
		section(sectionData, []byte{0x80, 0x80, 0x80, 0x80, 0x10}))
	if _, _, err := Split(badCount, DefaultMaxImage); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "overflow") {
		t.Fatalf("segment count overflow: got %v", err)
	}

	// Every truncation of a valid module fails cleanly or, when the cut
	// falls on a section boundary, succeeds; only the cut right after the
	// data section keeps all of the data.
	afterData := len(valid) - len(trailer)
	for n := range len(valid) {
		_, image, err := Split(valid[:n], DefaultMaxImage)
		if err == nil && image != nil && n != afterData {
			t.Errorf("truncation to %d bytes: unexpectedly got an image", n)
		}
		if n == afterData && (err != nil || image == nil) {
			t.Errorf("truncation after the data section: image %d bytes, err %v", len(image), err)
		}
	}
}

const sectionType = 1

func TestCopyOnWrite(t *testing.T) {
	requireImages(t)
	wasm := testModule()
	module, im, err := Prepare(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if im == nil {
		t.Fatal("Prepare returned no image")
	}
	defer im.Close()
	if im.Len() != len(expectedImage(testSegs...)) {
		t.Fatalf("image length %d", im.Len())
	}

	ctx, r := newRuntime(t)
	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		t.Fatal(err)
	}
	ictx := experimental.WithMemoryAllocator(ctx, im.Allocator())
	a := instantiate(t, ictx, r, compiled)
	b := instantiate(t, ictx, r, compiled)

	// Inside the image, and on a page of the image that neither instance
	// has touched yet.
	call(t, ctx, a, "store", 1, 'X')
	call(t, ctx, a, "store", 3*4096, 0x11)
	// Past the image, in anonymous memory.
	call(t, ctx, a, "store", 2*65536+5, 0x22)
	for _, c := range []struct{ addr, a, b uint64 }{
		{1, 'X', 'e'},
		{0, 'h', 'h'},
		{3 * 4096, 0x11, 0xff},
		{2*65536 + 5, 0x22, 0},
	} {
		if got := call(t, ctx, a, "load", c.addr); got != c.a {
			t.Errorf("a.load(%d) = %#x, want %#x", c.addr, got, c.a)
		}
		if got := call(t, ctx, b, "load", c.addr); got != c.b {
			t.Errorf("b.load(%d) = %#x, want %#x", c.addr, got, c.b)
		}
	}

	// Many instances, concurrently, each modifying its own copy.
	want := memory(t, b)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Go(func() {
			mod, err := r.InstantiateModule(ictx, compiled, wazero.NewModuleConfig().WithName(""))
			if err != nil {
				errs <- err
				return
			}
			defer mod.Close(ctx)
			if got, _ := mod.Memory().Read(0, mod.Memory().Size()); !bytes.Equal(got, want) {
				errs <- fmt.Errorf("instance %d: initial memory differs", i)
			}
			for _, addr := range []uint32{0, 3 * 4096, 65536 + 10} {
				mod.Memory().WriteByte(addr, byte(i))
				if got, _ := mod.Memory().ReadByte(addr); got != byte(i) {
					errs <- fmt.Errorf("instance %d: wrote %d, read %d", i, i, got)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := memory(t, b); !bytes.Equal(got, want) {
		t.Fatal("other instances' writes leaked into b")
	}

	// Closing the image leaves live memories intact but stops new ones.
	if err := im.Close(); err != nil {
		t.Fatal(err)
	}
	if err := im.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := call(t, ctx, b, "load", 100); got != 'w' {
		t.Fatalf("after Close, b.load(100) = %d", got)
	}
	err = func() (err error) {
		defer func() { err, _ = recover().(error) }()
		r.InstantiateModule(ictx, compiled, wazero.NewModuleConfig().WithName(""))
		return nil
	}()
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("instantiating after Close: got %v, want a panic with ErrClosed", err)
	}
}

func TestPrepareFallback(t *testing.T) {
	// Passive segment: not splittable, the original comes back.
	wasm := moduleSpec{minPages: 1, data: section(sectionData, uleb(1), []byte{0x01, 0x01, 'a'})}.build()
	module, im, err := Prepare(wasm)
	wantErr := ErrNotSplittable
	if !supported {
		wantErr = ErrUnsupported
	}
	if !errors.Is(err, wantErr) || im != nil || &module[0] != &wasm[0] {
		t.Fatalf("got err %v, image %v, original %v", err, im, &module[0] == &wasm[0])
	}
	// A nil Image is usable: no allocator, Close does nothing.
	if a := im.Allocator(); a != nil {
		t.Fatalf("nil image allocator = %v", a)
	}
	if err := im.Close(); err != nil || im.Len() != 0 {
		t.Fatal(err)
	}
	ctx := context.Background()
	if experimental.WithMemoryAllocator(ctx, im.Allocator()) != ctx {
		t.Fatal("nil allocator changed the context")
	}

	// No data: the original module, no image, no error.
	wasm = moduleSpec{minPages: 1}.build()
	module, im, err = Prepare(wasm)
	if (supported && err != nil) || im != nil || &module[0] != &wasm[0] {
		t.Fatalf("got err %v, image %v, original %v", err, im, &module[0] == &wasm[0])
	}
}
