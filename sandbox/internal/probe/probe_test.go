package probe

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// TestPrimitiveCosts builds the probe guest, runs every primitive in it
// under wazero (the engine the sandbox uses) and natively, and prints the
// two side by side. It asserts nothing about time; it needs a Go toolchain
// and takes about half a minute, so it runs only with MOONBOX_PROBE=1:
//
//	MOONBOX_PROBE=1 go test -run PrimitiveCosts -v ./sandbox/internal/probe
func TestPrimitiveCosts(t *testing.T) {
	if os.Getenv("MOONBOX_PROBE") == "" {
		t.Skip("set MOONBOX_PROBE=1 to build and run the probe guest")
	}
	wasm := filepath.Join(t.TempDir(), "probe.wasm")
	build := exec.Command("go", "build", "-buildmode=c-shared", "-o", wasm, "./guest")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the probe guest: %v\n%s", err, out)
	}
	ctx := context.Background()
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler())
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	if _, err := r.NewHostModuleBuilder("probe").NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(context.Context, api.Module, []uint64) {}), nil, nil).
		Export("nop").Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile(wasm)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateWithConfig(ctx, code, wazero.NewModuleConfig().
		WithStartFunctions("_initialize").WithSysNanotime().WithSysWalltime().WithSysNanosleep())
	if err != nil {
		t.Fatal(err)
	}
	run := mod.ExportedFunction("run")
	inWasm := func(i int) func(n int) float64 {
		return func(n int) float64 {
			res, err := run.Call(ctx, uint64(i), uint64(n))
			if err != nil {
				t.Fatal(err)
			}
			return float64(res[0]) / 1000
		}
	}
	fmt.Printf("%-15s %10s %10s %8s\n", "primitive", "wasm ns", "native ns", "ratio")
	for i, p := range Primitives {
		w, n := measure(inWasm(i)), measure(p.Run)
		if w <= 0 || n <= 0 {
			t.Errorf("%s: no figure (wasm %v ns, native %v ns)", p.Name, w, n)
		}
		fmt.Printf("%-15s %10.1f %10.1f %7.1fx  %s\n", p.Name, w, n, w/n, p.What)
	}
	fmt.Printf("%-15s %10.1f %10s %8s  %s\n", "host-import", measure(inWasm(len(Primitives))), "-", "-", "a call of a host function that does nothing")
}

// measure runs op with n doubling until one run takes 50 ms or more, then
// returns the best of three runs of that size.
func measure(op func(n int) float64) float64 {
	n := 1000
	for op(n)*float64(n) < 50e6 && n < 1<<30 {
		n *= 2
	}
	best := op(n)
	for i := 0; i < 2; i++ {
		best = min(best, op(n))
	}
	return best
}
