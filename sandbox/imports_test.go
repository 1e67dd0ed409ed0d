package sandbox

import (
	"context"
	"encoding/binary"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/tetratelabs/wazero/api"
)

// recordingHost is a abi.Host that accepts everything and counts calls.
type recordingHost struct {
	mu    sync.Mutex
	calls int
	last  []string
	exits []string // exit values: an exit always reaches the host
}

func (h *recordingHost) note(args ...string) {
	h.mu.Lock()
	h.calls++
	h.last = args
	h.mu.Unlock()
}
func (h *recordingHost) Spawn(p uint32, req []byte) (string, *abi.Error) {
	h.note(string(req))
	return "{pid}", nil
}
func (h *recordingHost) Send(p uint32, d, t string, pl []byte) (uint32, *abi.Error) {
	h.note(d, t, string(pl))
	return 0, abi.Errorf(abi.NotFound, "no process %s", d)
}
func (h *recordingHost) Exit(p uint32, a bool, v []byte) {
	h.mu.Lock()
	h.exits = append(h.exits, string(v))
	h.mu.Unlock()
}
func (h *recordingHost) Control(p uint32, op abi.ControlOp, d string, a int64) (string, *abi.Error) {
	h.note(d)
	return "", nil
}
func (h *recordingHost) Registry(p uint32, op abi.RegistryOp, n, pid string) (string, *abi.Error) {
	h.note(n, pid)
	return pid, nil
}
func (h *recordingHost) Security(p uint32, op abi.SecurityOp, action, resource string) (string, *abi.Error) {
	h.note(action, resource)
	return "", nil
}
func (h *recordingHost) Source(p uint32, id string) (string, *abi.Error) {
	h.note(id)
	return "return function() end", nil
}
func (h *recordingHost) Tick(p, n uint32) abi.Status         { return abi.OK }
func (h *recordingHost) Log(p uint32, l string)              { h.note(l) }
func (h *recordingHost) Timer(p uint32, id uint32, ms int64) {}
func (h *recordingHost) Consumed(counts []abi.Consumption) {
	for range counts {
		h.note("consumed")
	}
}

var (
	testEngineOnce sync.Once
	testEngine     *Engine
	testEngineErr  error
)

func sharedEngine(t testing.TB) *Engine {
	testEngineOnce.Do(func() { testEngine, testEngineErr = NewEngine(EngineConfig{}) })
	if testEngineErr != nil {
		t.Fatal(testEngineErr)
	}
	return testEngine
}

// hostile calls one import's host function the way wazero would, with
// arbitrary stack values: a guest controls every one of them.
func hostile(in *Instance, which uint8, s []uint64) {
	fns := []api.GoModuleFunc{importSpawn, importSend, importExit, importControl, importRegistry, importSource, importTick, importLog, importTimer, importConsumed, importSecurity}
	fns[int(which)%len(fns)](in.ctx, in.mod, s)
}

// TestImportsRejectWildArguments drives every import with pointers and
// lengths outside the guest's memory: each gets an error status (or is
// ignored), none panics, and the host is never called with garbage.
func TestImportsRejectWildArguments(t *testing.T) {
	h := &recordingHost{}
	in, err := sharedEngine(t).NewInstance(h, InstanceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	size := uint64(in.mod.Memory().Size())
	// Pointers that stay outside memory once the i32 is masked, and lengths
	// that run past its end.
	wild := []uint64{size, size - 1, math.MaxUint32, math.MaxUint64, 0xdead_0000_0000_0000 | (size - 1)}
	for which := uint8(0); which < 11; which++ {
		for _, p := range wild {
			for _, n := range []uint64{64, abi.MaxPayload + 1, math.MaxUint32} {
				s := []uint64{1, p, n, p, n, p, n, p, n}
				hostile(in, which, s)
				if which == 0 || which == 1 || which == 3 || which == 4 || which == 5 || which == 10 {
					if st, _ := abi.Unpack(s[0]); st == abi.OK {
						t.Errorf("import %d with ptr %#x len %d: status OK, want an error", which, p, n)
					}
				}
			}
		}
	}
	if h.calls != 0 {
		t.Errorf("host was called %d times with out-of-bounds arguments (last %q)", h.calls, h.last)
	}
	// A process whose exit value is out of bounds still exits, abnormally.
	for _, v := range h.exits {
		if !strings.Contains(v, "exit value out of bounds of guest memory") && !strings.Contains(v, "larger than the limit of 1048576 bytes") {
			t.Errorf("exit with a wild value reported %q, want an abnormal exit", v)
		}
	}
}

// TestImportsUpperBitsIgnored: wazero leaves the upper half of an i32 slot
// undefined; a pointer with garbage above bit 31 must read the same bytes.
func TestImportsUpperBitsIgnored(t *testing.T) {
	h := &recordingHost{}
	in, err := sharedEngine(t).NewInstance(h, InstanceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	const at = 1024
	in.mod.Memory().WriteString(at, "hello")
	hostile(in, 7, []uint64{1, 0xdead_0000_0000_0000 | at, 0xbeef_0000_0000_0000 | 5})
	if h.calls != 1 || h.last[0] != "hello" {
		t.Fatalf("log import saw %d calls, last %q; want one call with \"hello\"", h.calls, h.last)
	}
}

// FuzzImports: any stack a guest can produce, for any import, never panics
// the host, and a result never claims more bytes than the out buffer holds.
func FuzzImports(f *testing.F) {
	f.Add(uint8(1), make([]byte, 72))
	f.Add(uint8(0), binary.LittleEndian.AppendUint64(make([]byte, 8), 1<<31))
	f.Fuzz(func(t *testing.T, which uint8, raw []byte) {
		in, err := sharedEngine(t).NewInstance(&recordingHost{}, InstanceConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer in.Close()
		s := make([]uint64, 9)
		for i := range s {
			if len(raw) >= 8 {
				s[i], raw = binary.LittleEndian.Uint64(raw), raw[8:]
			}
		}
		hostile(in, which, s)
	})
}

var _ = context.Background
