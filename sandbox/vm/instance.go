package vm

import (
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"
	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/parse"
)

// Options tune an Instance. The zero value is usable.
type Options struct {
	// TickEvery is the number of Lua instructions between host ticks (and
	// chances to yield to other processes). Default abi.TickInstructions.
	TickEvery int64
	// CallDepth bounds Lua call nesting per task. Default 200.
	CallDepth int
	// Memory, if set, meters the heap: when it is above MemorySoftLimit (and
	// still is after a collection), the process that allocated the most is
	// ended with "memory limit exceeded"; its neighbours stay (memory.go).
	Memory          MemoryMeter
	MemorySoftLimit uint64
	// CPURun ends a process with TIMEOUT when one of its tasks has run this
	// many instructions (work included) without waiting; 0 is unlimited.
	CPURun int64
	// MemoryRun ends a process with "memory limit exceeded" when one of its
	// tasks has grown the heap by this many bytes without waiting (Memory
	// must be set); 0 is unlimited.
	MemoryRun uint64
}

// Instance is a set of processes sharing one Lua state and one scheduler. It
// is not safe for concurrent use: one goroutine calls Step at a time.
type Instance struct {
	host       Host
	L          *lua.LState // shared state: the read-only standard library
	sched      *scheduler
	procs      map[uint32]*process
	protos     map[uint64]*lua.FunctionProto
	envMeta    *lua.LTable
	channelMT  lua.LValue           // the metatables of channels, select cases and messages
	caseMT     lua.LValue           // (lua_channel.go): looked up once, not in the registry
	messageMT  lua.LValue           // per value (a map lookup by name, a message each)
	frozen     map[*lua.LTable]bool // read-only library proxies
	consumers  []*process           // processes that took messages this step
	closed     bool                 // Close was called: exits are not reported
	counts     []Consumption
	tickEvery  int64
	turnBudget int64
	memory     memoryGuard
	maxString  int   // the longest string a builtin or `..` may build
	maxResults int   // the most values string.byte or unpack may return
	cpuRun     int64 // instructions a task may run without waiting; 0: no limit
}

// New creates an instance whose processes reach the world through host.
func New(host Host, o Options) *Instance {
	if o.TickEvery <= 0 {
		o.TickEvery = abi.TickInstructions
	}
	if o.CallDepth <= 0 {
		o.CallDepth = 200
	}
	// The call stack is 4 frames (~80 bytes each) inside the stack and
	// grows in segments of 8 frames up to CallDepth: a fixed one would cost
	// every task CallDepth frames, most of an idle process. (Upstream's
	// growing stack never reported itself full, and its first segment was 8
	// frames apart from it; third_party/gopher-lua/MOONBOX.md.)
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		MinimizeStackMemory: true,
		CallStackSize:       o.CallDepth,
		// A task's value stack starts at 8 slots, which an idle process
		// does not outgrow, and at least doubles when it must grow.
		RegistrySize:     8,
		RegistryMaxSize:  registryMax(0),
		RegistryGrowStep: 8,
		SkipStackTrace:   true, // nothing reads it: errors keep their position
	})
	in := &Instance{
		L:         L,
		procs:     map[uint32]*process{},
		protos:    map[uint64]*lua.FunctionProto{},
		tickEvery: o.TickEvery,
		memory:    memoryGuard{meter: o.Memory},
	}
	in.SetMemorySoftLimit(o.MemorySoftLimit)
	in.SetCPURun(o.CPURun)
	in.SetMemoryRun(o.MemoryRun)
	in.host = chargingHost{Host: host, in: in}
	in.sched = newScheduler(&in.memory, host, o.TickEvery)
	in.openLibraries()
	return in
}

// SetMemorySoftLimit sets Options.MemorySoftLimit and the bounds derived from
// it (the longest string a builtin may build, the pattern matcher's depth).
// The sandbox calls it on an instance restored from a snapshot taken before
// the tenant's limit was known; it takes effect for processes started after.
func (in *Instance) SetMemorySoftLimit(limit uint64) {
	in.L.Options.MaxConcatBytes = stringCap(limit)
	in.L.Options.MaxPatternDepth = patternDepth(limit)
	in.L.Options.RegistryMaxSize = registryMax(limit)
	in.maxString = stringCap(limit)
	in.maxResults = registryMax(limit) / 2
	in.L.Options.Reserve = nil
	if in.memory.meter != nil && limit > 0 {
		in.L.Options.Reserve = func(L *lua.LState, n int) { in.reserve(L, int64(n)) }
	}
	in.memory.limit = limit
}

// SetCPURun sets Options.CPURun (the sandbox calls it on an instance
// restored from a snapshot).
func (in *Instance) SetCPURun(n int64) { in.cpuRun = max(n, 0) }

// SetMemoryRun sets Options.MemoryRun (the sandbox calls it on an
// instance restored from a snapshot).
func (in *Instance) SetMemoryRun(bytes uint64) { in.memory.run = bytes }

// SetMemoryCap tells the instance its linear memory's cap in bytes (0:
// unknown), so that a builtin refuses an allocation past it (memoryGuard.room).
func (in *Instance) SetMemoryCap(bytes uint64) { in.memory.cap = bytes }

// Step applies a batch of records, then runs processes until all are blocked
// or budget instructions are spent. It reports whether processes are still
// runnable. A malformed batch is an error; the records before it took effect.
func (in *Instance) Step(batch []byte, budget int64) (more bool, err error) {
	for len(batch) > 0 {
		kind, h, body, rest, err := abi.NextRecord(batch)
		if err != nil {
			return in.sched.runq.len() > 0, err
		}
		if err := in.apply(kind, h, &body); err != nil {
			return in.sched.runq.len() > 0, err
		}
		batch = rest
	}
	in.turnBudget = budget
	more = in.sched.run(budget)
	in.reportConsumed()
	return more, nil
}

// reportConsumed tells the host how many messages each process took from
// its mailbox since the last report, and reports whether there were any.
// Once a step is enough while messages come as records; a message between
// two processes of the instance is delivered and taken inside one step, so a
// send refused for a full mailbox reports first and tries again (lua_process.go).
func (in *Instance) reportConsumed() bool {
	if len(in.consumers) == 0 {
		return false
	}
	in.counts = in.counts[:0]
	for _, p := range in.consumers {
		in.counts = append(in.counts, Consumption{Process: p.handle, Count: p.taken})
		p.taken = 0
	}
	clear(in.consumers)
	in.consumers = in.consumers[:0]
	in.host.Consumed(in.counts)
	return true
}

// Close ends every process without reporting their exits and waits until
// their goroutines have returned. In native mode the tasks are goroutines of
// the host: without Close they would stay parked forever. The instance is
// unusable afterwards.
func (in *Instance) Close() {
	in.closed = true
	for _, p := range in.procs {
		p.kill(errClosed)
	}
	for in.sched.runq.len() > 0 {
		in.sched.run(1 << 62)
	}
	in.sched.close()
}

var errClosed = &Error{Status: abi.Canceled, Message: "runtime closed"}

// Processes is the number of live processes.
func (in *Instance) Processes() int { return len(in.procs) }

func (in *Instance) apply(kind abi.RecordKind, h uint32, r *abi.RecordReader) error {
	if kind == abi.RecordStart {
		return in.start(h, r)
	}
	p := in.procs[h]
	switch kind {
	case abi.RecordMessage:
		from, topic, payload := r.Bytes(), r.Bytes(), r.Bytes()
		if r.Err() == nil && p != nil {
			p.deliver(newMessage(from, topic, payload))
		}
	case abi.RecordEvent:
		ev, from, result, deadline := abi.EventKind(r.Uint()), r.String(), r.Bytes(), r.Uint()
		if r.Err() == nil && p != nil {
			p.deliverEvent(in.eventValue(ev, from, result, deadline))
		}
	case abi.RecordKill:
		st, reason := abi.Status(r.Uint()), r.String()
		if r.Err() == nil && p != nil {
			p.kill(&Error{Status: st, Message: reason})
		}
	case abi.RecordReply:
		child, abnormal, value := r.String(), r.Uint(), r.Bytes()
		if r.Err() == nil && p != nil {
			if w := p.rare.calls[child]; w != nil {
				delete(p.rare.calls, child)
				v, err := decodeValue(in.L, value)
				if err != nil {
					v, abnormal = newErrorValue(in.L, abi.Errorf(abi.Internal, "malformed exit value")), 1
				}
				w.fire(int(abnormal), v, abnormal == 0)
			}
		}
	case abi.RecordTimer:
		id := r.Uint()
		if r.Err() == nil && p != nil {
			p.fireTimer(uint32(id))
		}
	default:
		return fmt.Errorf("vm: unknown record kind %d", kind)
	}
	return r.Err()
}

// eventValue builds the Lua event table {kind, from, result, deadline}.
func (in *Instance) eventValue(kind abi.EventKind, from string, result []byte, deadline uint64) lua.LValue {
	L := in.L
	t := L.CreateTable(0, 4)
	t.RawSetString("kind", lua.LString(kind.Name()))
	t.RawSetString("from", lua.LString(from))
	if len(result) > 0 {
		if v, err := decodeValue(L, result); err == nil {
			t.RawSetString("result", v)
		}
	}
	if deadline > 0 {
		t.RawSetString("deadline", lua.LNumber(deadline))
	}
	return t
}

// start creates a process from a RecordStart and queues its main task.
func (in *Instance) start(h uint32, r *abi.RecordReader) error {
	pid, id, source, args, ctx, lineage := r.String(), r.String(), r.Bytes(), r.Bytes(), r.Bytes(), r.Bytes()
	if err := r.Err(); err != nil {
		return err
	}
	if _, dup := in.procs[h]; dup {
		return fmt.Errorf("vm: process handle %d already in use", h)
	}
	p := &process{in: in, handle: h, pid: pid, id: id, slot: in.sched.runq.join(lineage), rare: noRare}
	if len(ctx) > 0 {
		p.more().context = append([]byte(nil), ctx...)
	}
	p.env = in.newEnv()
	in.procs[h] = p
	argv, err := decodeValues(in.L, args)
	if err != nil {
		p.exitError(abi.Errorf(abi.Invalid, "malformed spawn arguments: %v", err))
		return nil
	}
	fn, lerr := in.load(id, source, p.env)
	if lerr != nil {
		p.exitError(lerr)
		return nil
	}
	t := p.newTask()
	t.args = argv
	t.load(stageChunk, fn, nil)
	in.sched.ready(t)
	return nil
}

// load compiles a source once per instance (keyed by its text) and returns a
// fresh closure over env.
func (in *Instance) load(id string, source []byte, env *lua.LTable) (*lua.LFunction, *Error) {
	key := xxhash.Sum64(source) ^ xxhash.Sum64String(id)
	proto := in.protos[key]
	if proto == nil {
		in.debit(int64(len(source)) * compileCost)
		chunk, err := parse.Parse(strings.NewReader(string(source)), id)
		if err != nil {
			return nil, abi.Errorf(abi.Invalid, "%s: %v", id, err)
		}
		proto, err = lua.Compile(chunk, id)
		if err != nil {
			return nil, abi.Errorf(abi.Invalid, "%s: %v", id, err)
		}
		in.protos[key] = proto
	}
	fn := in.L.NewFunctionFromProto(proto)
	fn.Env = env
	return fn, nil
}
