package sandbox

import (
	"fmt"
	"strconv"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/internal/memimage"
	"github.com/tetratelabs/wazero/api"
)

// A snapshot is an initialised guest (Go runtime started, Lua runtime built)
// kept as a copy-on-write memory image plus the values of its globals, the
// whole state of a wasm instance between calls. Instances start from it
// instead of initialising: 70% of an instance's cold start was that
// initialisation, run in wasm (docs/perf-findings.md, finding 6), and the pages it
// wrote are now shared by every instance until one writes to them.
//
// The module is compiled once, rewritten by memimage.Expose: its globals
// exported, so they can be read here and set in each copy, and its memory's
// minimum raised to snapshotPages, so the initialised guest has not grown its
// memory and a copy of it fits an instance of the same compiled module.
//
// What copies share: everything the guest computed while initialising,
// including the Go runtime's random state (map hash seeds among it). A copy
// belongs to one tenant, so a seed shared with other tenants' instances is
// never exposed to a guest that could use it against them; math.random is
// seeded per instance by moonbox_init.
type snapshot struct {
	image   *memimage.Image
	globals []snapshotGlobal
}

type snapshotGlobal struct {
	name  string
	value uint64
}

// snapshotPages is the memory an instance starts with, in 64 KiB pages: room
// for the initialised guest (80 pages in Go 1.26) with a margin, since the
// snapshot cannot be taken if initialisation grows the memory past it.
// Pages never written cost nothing.
const snapshotPages = 128

// warmUp is a process the snapshot's instance runs, after its garbage is
// collected and before the snapshot is taken. The collection empties the
// allocator's per-size caches, and a copy's first process refilled them,
// writing a page or more per size class: 161 pages copied on write in the
// first step of a copy, against 110 after a warm-up, and that step 1.84-1.88
// ms against 1.25-1.32 ms (go test, 300 instances, in this package).
const warmUp = `return function()
	local t = {}
	for i = 1, 64 do t[i] = tostring(i) .. "x" end
	local s = table.concat(t, ",")
	pcall(error, s:upper())
	return #s, string.format("%d %s", #t, s:sub(1, 8))
end`

// takeSnapshot initialises an instance, collects its garbage, runs warmUp
// and keeps its memory and globals.
func (e *Engine) takeSnapshot() (*snapshot, error) {
	in, err := e.instantiate(nil, "snapshot", nil)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	in.stack[0], in.stack[1], in.stack[2], in.stack[3], in.stack[4] = 0, 0, 0, 0, 0 // no limit, no seed: each copy gets its own
	if err := in.mod.ExportedFunction(abi.ExportInit).CallWithStack(in.ctx, in.stack); err != nil {
		return nil, fmt.Errorf("sandbox: guest init: %w%s", err, in.stderr.cause())
	}
	in.Memory(true)
	if _, err := in.Step(startRecord(1, "warm-up", warmUp), 1e7); err != nil {
		return nil, fmt.Errorf("sandbox: snapshot warm-up: %w", err)
	}
	mem := in.mod.Memory()
	if mem.Size() != snapshotPages*65536 {
		return nil, fmt.Errorf("sandbox: the initialised guest has %d pages of memory, more than the %d a snapshot holds (raise snapshotPages)", mem.Size()/65536, snapshotPages)
	}
	view, _ := mem.Read(0, mem.Size())
	end := len(view)
	for end > 0 && view[end-1] == 0 {
		end--
	}
	snap := &snapshot{}
	for i := range e.globals {
		name := memimage.GlobalExport + strconv.Itoa(i)
		g := in.mod.ExportedGlobal(name)
		if _, mutable := g.(api.MutableGlobal); mutable {
			snap.globals = append(snap.globals, snapshotGlobal{name, g.Get()})
		}
	}
	if snap.image, err = memimage.NewImage(view[:end]); err != nil {
		return nil, fmt.Errorf("sandbox: snapshot: %w", err)
	}
	return snap, nil
}

// startRecord is a batch of one RecordStart: process handle runs src, with
// no arguments and no context.
func startRecord(handle uint32, id, src string) []byte {
	var w abi.RecordWriter
	w.Begin(abi.RecordStart, handle)
	w.String("{" + id + "}") // the PID
	w.String(id)
	w.String(src)
	w.Bytes(abi.AppendArray(nil, 0))
	w.Bytes(nil) // no context
	w.Bytes(nil) // no lineage: the root of the spawn tree
	w.End()
	return w.Batch()
}

// restore sets a new instance's globals to the snapshot's; its memory came
// from the snapshot's image.
func (s *snapshot) restore(mod api.Module) {
	for _, g := range s.globals {
		mod.ExportedGlobal(g.name).(api.MutableGlobal).Set(g.value)
	}
}
