package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/internal/memimage"
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
	// NoSnapshot initialises every instance from scratch instead of starting
	// it from a snapshot of an initialised one (snapshot.go; for measurements
	// and tests). PlainMemory implies it.
	NoSnapshot bool
}

// Engine compiles the guest once and instantiates it many times.
type Engine struct {
	ctx      context.Context
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	image    *memimage.Image
	cache    wazero.CompilationCache
	globals  int       // globals the module exports for snapshots, or 0
	snapshot *snapshot // what instances start from, or nil: they initialise
	// softLimit is the guest heap size past which the running process is
	// ended: three quarters of the linear memory cap less the guest's own
	// footprint (guestFootprint), leaving the rest for the runtime's
	// overhead and for the garbage of the offender.
	softLimit uint64
	// memoryCap is the linear memory cap in bytes.
	memoryCap uint64
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
	memoryCap := uint64(cfg.MemoryLimitPages) * 65536
	e := &Engine{softLimit: defaultSoftLimit(memoryCap), memoryCap: memoryCap}
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
		// A snapshot's instance starts with snapshotPages of memory: an
		// engine capped below that initialises every instance instead.
		if image != nil && !cfg.NoSnapshot && cfg.MemoryLimitPages >= snapshotPages {
			// Likewise: without exported globals there is no snapshot.
			if exposed, n, err := memimage.Expose(module, snapshotPages); err == nil {
				module, e.globals = exposed, n
			}
		}
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
	if e.globals > 0 {
		if e.snapshot, err = e.takeSnapshot(); err != nil {
			e.Close()
			return nil, err
		}
		// Instances start from the snapshot's image now; the data image
		// (a few MiB of page cache) served only the snapshot's instance.
		e.image.Close()
		e.image = nil
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
	if e.snapshot != nil {
		e.snapshot.image.Close()
	}
}

// guestFootprint is the linear memory the guest needs before any process
// runs: the initialised guest is 80 pages (5 MiB: the Go runtime, static
// data, the Lua state), and Go keeps its heap's metadata beside the heap.
// Three quarters of a 16 MiB cap (12 MiB) as the soft limit ignored it: the
// heap could never reach the soft limit, and a table growing in a 16 MiB
// instance trapped it at 10 MiB in use instead of ending its process.
const guestFootprint = 6 << 20

// defaultSoftLimit is the soft limit of an instance whose linear memory is
// capped at limit bytes: 6 MiB of a 16 MiB instance, 762 MiB of a 1 GiB one.
func defaultSoftLimit(limit uint64) uint64 {
	return max(limit/4*3-guestFootprint, limit/4)
}

// InstanceConfig configures one instance.
type InstanceConfig struct {
	// Name labels the instance's captured stderr (the tenant's name).
	Name string
	// SoftLimit is the guest heap size past which the running process is
	// ended ("memory limit exceeded"); 0 takes the engine's default, three
	// quarters of the memory cap less the guest's footprint. It is capped at
	// that default.
	SoftLimit uint64
	// CPURun is how many Lua instructions a process may run without waiting
	// before it is ended with TIMEOUT; 0 is unlimited.
	CPURun int64
	// MemoryRun is how many bytes a process may grow the guest heap by
	// without waiting before it is ended ("memory limit exceeded"); 0 is
	// unlimited.
	MemoryRun int64
}

// NewInstance instantiates the guest; its imports call h. It starts from the
// engine's snapshot when there is one, else initialises the guest.
func (e *Engine) NewInstance(h abi.Host, cfg InstanceConfig) (*Instance, error) {
	in, err := e.instantiate(h, cfg.Name, e.snapshot)
	if err != nil {
		return nil, err
	}
	softLimit := e.softLimit
	if cfg.SoftLimit > 0 && cfg.SoftLimit < e.softLimit {
		softLimit = cfg.SoftLimit
	}
	var seed [8]byte
	_, _ = rand.Read(seed[:]) // never fails (crypto/rand)
	in.stack[0], in.stack[1], in.stack[2], in.stack[3] = softLimit, binary.LittleEndian.Uint64(seed[:]), e.memoryCap, uint64(max(cfg.CPURun, 0))
	in.stack[4] = uint64(max(cfg.MemoryRun, 0))
	if err := in.mod.ExportedFunction(abi.ExportInit).CallWithStack(in.ctx, in.stack); err != nil {
		in.Close()
		return nil, fmt.Errorf("sandbox: guest init: %w%s", err, in.stderr.cause())
	}
	return in, nil
}

// instantiate makes an instance, from snap or, if nil, by running the guest's
// initialisation, and checks the guest's ABI version.
func (e *Engine) instantiate(h abi.Host, name string, snap *snapshot) (*Instance, error) {
	in := &Instance{host: h, name: name, stack: make([]uint64, 5)}
	ctx, starts := e.ctx, []string{"_initialize"}
	if snap != nil {
		ctx, starts = experimental.WithMemoryAllocator(ctx, snap.image.Allocator()), nil
	}
	in.ctx = context.WithValue(ctx, instanceKey{}, in)
	mc := wazero.NewModuleConfig().
		WithName("").
		WithSysNanotime().
		WithSysWalltime().
		WithSysNanosleep().
		WithRandSource(rand.Reader).
		WithStderr(&in.stderr).
		WithStdout(&in.stderr).
		WithStartFunctions(starts...)
	mod, err := e.runtime.InstantiateModule(in.ctx, e.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("sandbox: instantiate: %w%s", err, in.stderr.cause())
	}
	in.mod = mod
	if snap != nil {
		snap.restore(mod)
	}
	in.fBuffer = mod.ExportedFunction(abi.ExportBuffer)
	in.fStep = mod.ExportedFunction(abi.ExportStep)
	in.fMemory = mod.ExportedFunction(abi.ExportMemory)
	in.fWaits = mod.ExportedFunction(abi.ExportWaits) // optional: nil in an older guest
	v := mod.ExportedFunction(abi.ExportVersion)
	if err := v.CallWithStack(in.ctx, in.stack); err != nil || in.stack[0] != abi.Version {
		in.Close()
		return nil, fmt.Errorf("sandbox: guest ABI version %d, host speaks %d", in.stack[0], abi.Version)
	}
	return in, nil
}
