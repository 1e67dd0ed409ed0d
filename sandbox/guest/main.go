//go:build wasip1

// math.random is math/rand's global source; moonbox_init seeds it per
// instance, which Go 1.24+ ignores unless told otherwise.
//go:debug randseednop=0

// Command guest is the Moonbox guest: the vm package (gopher-lua and the
// process runtime) built as a wasip1 reactor. Its only ways out are the
// imports of the "moonbox" module, declared below with the signatures of
// abi/ABI.md; the host drives it through the exports.
//
// Build (see the Makefile's guest target, which pins the flags):
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -o sandbox/guest.wasm ./sandbox/guest
package main

import (
	"encoding/binary"
	"math/rand"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"unsafe"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

//go:wasmimport moonbox spawn
func importSpawn(process uint32, req unsafe.Pointer, reqLen uint32, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox send
func importSend(process uint32, dest unsafe.Pointer, destLen uint32, topic unsafe.Pointer, topicLen uint32, payload unsafe.Pointer, payloadLen uint32, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox exit
func importExit(process uint32, abnormal uint32, value unsafe.Pointer, valueLen uint32)

//go:wasmimport moonbox control
func importControl(process uint32, op uint32, dest unsafe.Pointer, destLen uint32, arg int64, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox registry
func importRegistry(process uint32, op uint32, name unsafe.Pointer, nameLen uint32, pid unsafe.Pointer, pidLen uint32, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox security
func importSecurity(process uint32, op uint32, action unsafe.Pointer, actionLen uint32, resource unsafe.Pointer, resourceLen uint32, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox source
func importSource(process uint32, id unsafe.Pointer, idLen uint32, out unsafe.Pointer, outCap uint32) uint64

//go:wasmimport moonbox tick
func importTick(process, ticks uint32) uint32

//go:wasmimport moonbox log
func importLog(process uint32, line unsafe.Pointer, lineLen uint32)

//go:wasmimport moonbox timer
func importTimer(process uint32, id uint32, ms int64)

//go:wasmimport moonbox consumed
func importConsumed(counts unsafe.Pointer, countsLen uint32)

func bytesPtr(b []byte) (unsafe.Pointer, uint32) {
	if len(b) == 0 {
		return nil, 0
	}
	return unsafe.Pointer(&b[0]), uint32(len(b))
}

func strPtr(s string) (unsafe.Pointer, uint32) {
	if len(s) == 0 {
		return nil, 0
	}
	return unsafe.Pointer(unsafe.StringData(s)), uint32(len(s))
}

// wasmHost implements abi.Host over the imports. out receives results and
// error messages.
type wasmHost struct {
	out    []byte
	counts []byte
}

func (h *wasmHost) outBuf() (unsafe.Pointer, uint32) { return bytesPtr(h.out) }

// result decodes a packed import result. ok is false when the result did not
// fit: the buffer has been grown and a pure call may be repeated.
func (h *wasmHost) result(r uint64) (s string, err *abi.Error, fit bool) {
	st, n := abi.Unpack(r)
	if int(n) > len(h.out) {
		if st != abi.OK || n > abi.MaxSource {
			return "", abi.Errorf(abi.Internal, "result too large"), true
		}
		h.out = make([]byte, n)
		return "", nil, false
	}
	if st != abi.OK {
		return "", &abi.Error{Status: st, Message: string(h.out[:n])}, true
	}
	return string(h.out[:n]), nil, true
}

func (h *wasmHost) Spawn(process uint32, req []byte) (string, *abi.Error) {
	rp, rl := bytesPtr(req)
	op, oc := h.outBuf()
	s, err, _ := h.result(importSpawn(process, rp, rl, op, oc))
	return s, err
}

func (h *wasmHost) Send(process uint32, dest, topic string, payload []byte) (uint32, *abi.Error) {
	dp, dl := strPtr(dest)
	tp, tl := strPtr(topic)
	pp, pl := bytesPtr(payload)
	op, oc := h.outBuf()
	s, err, _ := h.result(importSend(process, dp, dl, tp, tl, pp, pl, op, oc))
	if err != nil || len(s) != 4 {
		return 0, err
	}
	return binary.LittleEndian.Uint32([]byte(s)), nil
}

func (h *wasmHost) Exit(process uint32, abnormal bool, value []byte) {
	vp, vl := bytesPtr(value)
	a := uint32(0)
	if abnormal {
		a = 1
	}
	importExit(process, a, vp, vl)
}

func (h *wasmHost) Control(process uint32, op abi.ControlOp, dest string, arg int64) (string, *abi.Error) {
	for {
		dp, dl := strPtr(dest)
		outp, outc := h.outBuf()
		s, err, fit := h.result(importControl(process, uint32(op), dp, dl, arg, outp, outc))
		if fit {
			return s, err
		}
	}
}

func (h *wasmHost) Registry(process uint32, op abi.RegistryOp, name, pid string) (string, *abi.Error) {
	np, nl := strPtr(name)
	pp, pl := strPtr(pid)
	outp, outc := h.outBuf()
	s, err, _ := h.result(importRegistry(process, uint32(op), np, nl, pp, pl, outp, outc))
	return s, err
}

func (h *wasmHost) Security(process uint32, op abi.SecurityOp, action, resource string) (string, *abi.Error) {
	for {
		ap, al := strPtr(action)
		rp, rl := strPtr(resource)
		outp, outc := h.outBuf()
		s, err, fit := h.result(importSecurity(process, uint32(op), ap, al, rp, rl, outp, outc))
		if fit {
			return s, err
		}
	}
}

func (h *wasmHost) Source(process uint32, id string) (string, *abi.Error) {
	for {
		ip, il := strPtr(id)
		outp, outc := h.outBuf()
		s, err, fit := h.result(importSource(process, ip, il, outp, outc))
		if fit {
			return s, err
		}
	}
}

func (h *wasmHost) Tick(process, ticks uint32) abi.Status {
	return abi.Status(importTick(process, ticks))
}

func (h *wasmHost) Log(process uint32, line string) {
	lp, ll := strPtr(line)
	importLog(process, lp, ll)
}

func (h *wasmHost) Timer(process uint32, id uint32, ms int64) { importTimer(process, id, ms) }

func (h *wasmHost) Consumed(counts []abi.Consumption) {
	h.counts = h.counts[:0]
	for _, c := range counts {
		h.counts = binary.LittleEndian.AppendUint32(h.counts, c.Process)
		h.counts = binary.LittleEndian.AppendUint32(h.counts, c.Count)
	}
	p, n := bytesPtr(h.counts)
	importConsumed(p, n)
}

var (
	instance *vm.Instance
	batch    = make([]byte, 64<<10)
)

// meter reads the guest's heap through runtime/metrics: cheap enough for
// every tick.
type meter struct{ inUse, allocated, held []metrics.Sample }

func (m *meter) InUse() uint64 {
	metrics.Read(m.inUse)
	return m.inUse[0].Value.Uint64()
}

// Held is the memory the Go runtime holds besides what it has released:
// what the linear memory must contain, less the guest's static data.
func (m *meter) Held() uint64 {
	metrics.Read(m.held)
	return m.held[0].Value.Uint64() - m.held[1].Value.Uint64()
}

func (m *meter) Allocated() uint64 {
	metrics.Read(m.allocated)
	return m.allocated[0].Value.Uint64()
}

var heapMeter = &meter{
	inUse:     []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}},
	allocated: []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}},
	held:      []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}},
}

// moonbox_init configures the runtime before the first step: softLimit is
// the heap size past which the running process is ended (0: none), seed
// seeds math.random, cpuRun and memoryRun bound a process's run without
// waiting (instructions, bytes the heap grows by). The first call builds the Lua runtime. The host may
// call it on a fresh instance, or build the runtime once with a zero limit,
// snapshot the instance and call it again on each copy: copies share the
// snapshot's random state, which the seed makes their own again.
//
//go:wasmexport moonbox_init
func initialize(softLimit uint64, seed int64, memoryCap uint64, cpuRun int64, memoryRun uint64) {
	if instance == nil {
		instance = vm.New(&wasmHost{out: make([]byte, 64<<10)}, vm.Options{Memory: heapMeter})
	}
	rand.Seed(seed)
	instance.SetCPURun(cpuRun)
	instance.SetMemoryRun(memoryRun)
	if softLimit == 0 {
		return
	}
	// Collect harder as the heap nears the limit, so garbage never counts
	// against a process.
	debug.SetMemoryLimit(int64(softLimit))
	// A table's array part grows by reallocation, old and new at once:
	// capped so that one growth (1.25x of 16-byte values) stays within half
	// the room the memory cap leaves above the soft limit, the soft limit and
	// not a trap ends a process that fills it.
	lua.MaxArrayLen = int(softLimit / 120)
	// A hash part keeps its keys in a slice that also grows by reallocation,
	// besides two maps, ~100 bytes a key: a table of float keys trapped a
	// 64 MiB instance under its soft limit (the freed slices it left behind).
	// Half the array cap: 209,715 keys at 64 MiB, 3.3 million in a 1 GiB
	// instance.
	lua.MaxHashLen = int(softLimit / 240)
	// And a growth that would pass the soft limit is refused before it is
	// made: a table grows between two of the guard's readings.
	lua.TableReserve = instance.Reserve
	instance.SetMemorySoftLimit(softLimit)
	instance.SetMemoryCap(memoryCap)
}

//go:wasmexport moonbox_version
func version() uint32 { return abi.Version }

//go:wasmexport moonbox_buffer
func buffer(size uint32) unsafe.Pointer {
	if int(size) > len(batch) {
		batch = make([]byte, size)
	}
	return unsafe.Pointer(&batch[0])
}

//go:wasmexport moonbox_step
func step(n uint32, budget int64) uint32 {
	more, err := instance.Step(batch[:n], budget)
	if err != nil {
		// A malformed batch is a host bug; trapping discards the instance.
		panic(err)
	}
	if more {
		return abi.StepMore
	}
	return 0
}

//go:wasmexport moonbox_memory
func memory(collect uint32) uint64 {
	if collect != 0 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// waitsOut holds moonbox_waits's result until the next call.
var waitsOut []byte

//go:wasmexport moonbox_waits
func waits() (result uint64) {
	// A report must never cost the instance: a panic here would end the
	// guest and every process in it. On one the report is empty.
	waitsOut = vm.EncodeWaits(nil)
	defer func() {
		if recover() != nil {
			waitsOut = vm.EncodeWaits(nil)
		}
		result = uint64(uintptr(unsafe.Pointer(&waitsOut[0])))<<32 | uint64(len(waitsOut))
	}()
	if instance != nil {
		waitsOut = vm.EncodeWaits(instance.Waits())
	}
	return 0 // set by the deferred function
}

func main() {}
