package memimage

import (
	"bytes"
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
)

// goLikeModule mimics the data layout of a Go wasip1 binary: 50,000 small
// active segments in ascending order.
func goLikeModule() []byte {
	return moduleSpec{minPages: 32, data: dataSection(manySegments(50_000)...)}.build()
}

// TestGoLikeModule checks the benchmark's module before it is timed.
func TestGoLikeModule(t *testing.T) {
	requireImages(t)
	wasm := goLikeModule()
	module, im, err := Prepare(wasm)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Close()
	if want := expectedImage(manySegments(50_000)...); im.Len() != len(want) {
		t.Fatalf("image %d bytes, want %d", im.Len(), len(want))
	}
	ctx, r := newRuntime(t)
	plainCompiled, err := r.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := r.CompileModule(ctx, module)
	if err != nil {
		t.Fatal(err)
	}
	plain := instantiate(t, ctx, r, plainCompiled)
	cow := instantiate(t, experimental.WithMemoryAllocator(ctx, im.Allocator()), r, compiled)
	if !bytes.Equal(memory(t, plain), memory(t, cow)) {
		t.Fatal("memories differ")
	}
}

func BenchmarkInstantiate(b *testing.B) {
	requireImages(b)
	wasm := goLikeModule()
	module, im, err := Prepare(wasm)
	if err != nil {
		b.Fatal(err)
	}
	defer im.Close()

	run := func(b *testing.B, ctx context.Context, module []byte) {
		r := wazero.NewRuntime(ctx)
		defer r.Close(ctx)
		compiled, err := r.CompileModule(ctx, module)
		if err != nil {
			b.Fatal(err)
		}
		cfg := wazero.NewModuleConfig().WithName("")
		b.ReportAllocs()
		for b.Loop() {
			mod, err := r.InstantiateModule(ctx, compiled, cfg)
			if err != nil {
				b.Fatal(err)
			}
			mod.Close(ctx)
		}
	}
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) { run(b, ctx, wasm) })
	b.Run("image", func(b *testing.B) { run(b, experimental.WithMemoryAllocator(ctx, im.Allocator()), module) })
}
