package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/internal/memimage"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// EngineConfig configures an Engine. The zero value is usable.
type EngineConfig struct {
	// CacheDir holds compiled code between runs. Default: moonbox/wazero in
	// the user's cache directory; "-" disables the cache.
	CacheDir string
	// MemoryLimitPages caps each instance's linear memory in 64 KiB pages.
	// Hitting it traps the instance. Default 16384 (1 GiB).
	MemoryLimitPages uint32
	// Guest is the wasm module to run; default the embedded guest.
	Guest []byte
	// PlainMemory instantiates the module as it is, without the copy-on-write
	// memory image (slower; for measurements and platforms without mmap).
	PlainMemory bool
}

// Engine compiles the guest once and instantiates it many times.
type Engine struct {
	ctx      context.Context
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	image    *memimage.Image
	cache    wazero.CompilationCache
	// softLimit is the guest heap size past which the running process is
	// ended: three quarters of the linear memory cap, leaving the rest for
	// the runtime's own overhead and for the garbage of the offender.
	softLimit uint64
}

// NewEngine compiles the guest (or loads it from the compilation cache).
func NewEngine(cfg EngineConfig) (*Engine, error) {
	if cfg.MemoryLimitPages == 0 {
		cfg.MemoryLimitPages = 16384
	}
	wasm := cfg.Guest
	if wasm == nil {
		wasm = guestWasm
	}
	ctx := context.Background()
	rc := wazero.NewRuntimeConfigCompiler().WithMemoryLimitPages(cfg.MemoryLimitPages)
	e := &Engine{softLimit: uint64(cfg.MemoryLimitPages) * 65536 / 4 * 3}
	if dir := cacheDir(cfg.CacheDir); dir != "" {
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			e.cache = cache
			rc = rc.WithCompilationCache(cache)
		}
	}
	module, image := wasm, (*memimage.Image)(nil)
	if !cfg.PlainMemory {
		// On failure Prepare returns the module unchanged: slower, still correct.
		module, image, _ = memimage.Prepare(wasm)
	}
	if image != nil {
		e.image = image
		ctx = experimental.WithMemoryAllocator(ctx, image.Allocator())
	}
	e.ctx = ctx
	e.runtime = wazero.NewRuntimeWithConfig(ctx, rc)
	wasi_snapshot_preview1.MustInstantiate(ctx, e.runtime)
	if err := instantiateImports(ctx, e.runtime); err != nil {
		e.Close()
		return nil, err
	}
	var err error
	e.compiled, err = e.runtime.CompileModule(ctx, module)
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("sandbox: compile guest: %w", err)
	}
	for _, name := range []string{abi.ExportVersion, abi.ExportInit, abi.ExportBuffer, abi.ExportStep, abi.ExportMemory} {
		if _, ok := e.compiled.ExportedFunctions()[name]; !ok {
			e.Close()
			return nil, fmt.Errorf("sandbox: guest lacks export %s", name)
		}
	}
	return e, nil
}

func cacheDir(dir string) string {
	switch dir {
	case "-":
		return ""
	case "":
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		return filepath.Join(base, "moonbox", "wazero")
	}
	return dir
}

// Close releases the engine and every instance made from it.
func (e *Engine) Close() {
	if e.runtime != nil {
		e.runtime.Close(e.ctx)
	}
	if e.cache != nil {
		e.cache.Close(e.ctx)
	}
	if e.image != nil {
		e.image.Close()
	}
}

// InstanceConfig configures one instance.
type InstanceConfig struct {
	// Name labels the instance's captured stderr (the tenant's name).
	Name string
	// SoftLimit is the guest heap size past which the running process is
	// ended ("memory limit exceeded"); 0 takes the engine's default, three
	// quarters of the memory cap. It is capped at that default.
	SoftLimit uint64
}

// NewInstance instantiates the guest; its imports call h.
func (e *Engine) NewInstance(h vm.Host, cfg InstanceConfig) (*Instance, error) {
	in := &Instance{host: h, name: cfg.Name, stack: make([]uint64, 4)}
	in.ctx = context.WithValue(e.ctx, instanceKey{}, in)
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithSysNanotime().
		WithSysWalltime().
		WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStderr(&in.stderr).
		WithStdout(&in.stderr)
	mod, err := e.runtime.InstantiateModule(in.ctx, e.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: instantiate: %w%s", err, in.stderr.cause())
	}
	in.mod = mod
	in.fBuffer = mod.ExportedFunction(abi.ExportBuffer)
	in.fStep = mod.ExportedFunction(abi.ExportStep)
	in.fMemory = mod.ExportedFunction(abi.ExportMemory)
	v := mod.ExportedFunction(abi.ExportVersion)
	if err := v.CallWithStack(in.ctx, in.stack); err != nil || in.stack[0] != abi.Version {
		mod.Close(in.ctx)
		return nil, fmt.Errorf("sandbox: guest ABI version %d, host speaks %d", in.stack[0], abi.Version)
	}
	in.stack[0] = e.softLimit
	if cfg.SoftLimit > 0 && cfg.SoftLimit < e.softLimit {
		in.stack[0] = cfg.SoftLimit
	}
	if err := mod.ExportedFunction(abi.ExportInit).CallWithStack(in.ctx, in.stack); err != nil {
		mod.Close(in.ctx)
		return nil, fmt.Errorf("sandbox: guest init: %w", err)
	}
	return in, nil
}
