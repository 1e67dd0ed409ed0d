package sandbox

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
	"github.com/tetratelabs/wazero/api"
)

type instanceKey struct{}

// Instance is one guest instance. Like vm.Instance, one goroutine at a time
// calls Step.
type Instance struct {
	ctx    context.Context
	host   abi.Host
	name   string
	mod    api.Module
	stderr stderrBuffer

	fBuffer, fStep, fMemory api.Function
	fWaits                  api.Function // nil when the guest does not export it
	stack                   []uint64
	bufPtr, bufCap          uint32
	closed                  bool
}

// Step writes a batch of records into the guest and runs it (abi.ExportStep).
// An error means the instance trapped and must be discarded.
func (in *Instance) Step(batch []byte, budget int64) (bool, error) {
	if in.closed {
		return false, fmt.Errorf("instance closed")
	}
	if len(batch) > 0 {
		if uint32(len(batch)) > in.bufCap || in.bufPtr == 0 {
			in.stack[0] = uint64(len(batch))
			if err := in.fBuffer.CallWithStack(in.ctx, in.stack); err != nil {
				return false, in.trap(err)
			}
			in.bufPtr, in.bufCap = uint32(in.stack[0]), uint32(len(batch))
		}
		if !in.mod.Memory().Write(in.bufPtr, batch) {
			return false, in.trap(fmt.Errorf("guest buffer out of range"))
		}
	}
	in.stack[0], in.stack[1] = uint64(len(batch)), uint64(budget)
	if err := in.fStep.CallWithStack(in.ctx, in.stack); err != nil {
		return false, in.trap(err)
	}
	return in.stack[0]&abi.StepMore != 0, nil
}

// trap explains a guest failure: wazero's error plus what the guest runtime
// printed (a Go fatal error names the cause, "out of memory" say).
func (in *Instance) trap(err error) error {
	cause := in.stderr.cause()
	if strings.Contains(cause, "out of memory") {
		return fmt.Errorf("out of memory")
	}
	return fmt.Errorf("%v%s", err, cause)
}

// Memory reports the guest heap in use and the size of the linear memory,
// in bytes; collect runs a full guest GC first. Like Step, it must not run
// concurrently with another call.
func (in *Instance) Memory(collect bool) (heap, linear uint64) {
	in.stack[0] = 0
	if collect {
		in.stack[0] = 1
	}
	if in.closed || in.fMemory.CallWithStack(in.ctx, in.stack) != nil {
		return 0, 0
	}
	return in.stack[0], uint64(in.mod.Memory().Size())
}

// Waits reports what each live process's tasks wait on (abi.ExportWaits).
// Like Step, it must not run concurrently with another call; a guest without
// the export gives none.
func (in *Instance) Waits() []vm.ProcessWaits {
	if in.closed || in.fWaits == nil || in.fWaits.CallWithStack(in.ctx, in.stack) != nil {
		return nil
	}
	ptr, n := uint32(in.stack[0]>>32), uint32(in.stack[0])
	b, ok := in.mod.Memory().Read(ptr, n)
	if !ok || n > maxWaitsBytes {
		return nil
	}
	ws, err := vm.DecodeWaits(b)
	if err != nil {
		return nil
	}
	return ws
}

// maxWaitsBytes bounds the report the host reads from a guest.
const maxWaitsBytes = 4 << 20

// Stderr is what the guest runtime wrote to stderr (at most the last 64 KiB).
func (in *Instance) Stderr() string { return in.stderr.String() }

// Diagnostics is the start of the guest's stderr (a Go fatal error names
// its cause first), formatted to follow an error message.
func (in *Instance) Diagnostics() string {
	const keep = 2048
	s := strings.TrimSpace(in.Stderr())
	if s == "" {
		return ""
	}
	if len(s) > keep {
		s = s[:keep] + "\n[...]"
	}
	return "\nguest stderr:\n" + s
}

// Close discards the instance.
func (in *Instance) Close() {
	if !in.closed {
		in.closed = true
		in.mod.Close(in.ctx)
	}
}

// stderrBuffer keeps the start of what the guest writes: a Go fatal error
// names its cause first ("fatal error: runtime: out of memory") and then
// dumps every goroutine, so the head is what explains a crash. A hostile or
// dying guest cannot grow it past stderrKeep; the rest is counted, not kept.
type stderrBuffer struct {
	mu      sync.Mutex
	buf     []byte
	dropped int
}

const stderrKeep = 64 << 10

func (b *stderrBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := stderrKeep - len(b.buf)
	if room > len(p) {
		room = len(p)
	}
	b.buf = append(b.buf, p[:room]...)
	b.dropped += len(p) - room
	return len(p), nil
}

func (b *stderrBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

// cause is the guest's own account of a failure, prefixed for an error
// message: the first line of a Go fatal error ("fatal error: ..." or
// "panic: ..."), else the first line written.
func (b *stderrBuffer) cause() string {
	s := strings.TrimSpace(b.String())
	if s == "" {
		return ""
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "fatal error:") || strings.HasPrefix(line, "panic:") {
			return ": " + line
		}
	}
	line, _, _ := strings.Cut(s, "\n")
	return ": " + line
}
