package vm

import (
	"runtime"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// nullHost accepts every call and does nothing: it isolates the runtime's
// own cost from the host's.
type nullHost struct{}

func (nullHost) Spawn(uint32, []byte) (string, *Error)                         { return "{pid}", nil }
func (nullHost) Send(uint32, string, string, []byte) (uint32, *Error)          { return 0, nil }
func (nullHost) Exit(uint32, bool, []byte)                                     {}
func (nullHost) Control(uint32, abi.ControlOp, string, int64) (string, *Error) { return "", nil }
func (nullHost) Registry(uint32, abi.RegistryOp, string, string) (string, *Error) {
	return "", nil
}
func (nullHost) Source(uint32, string) (string, *Error) { return "", nil }
func (nullHost) Security(uint32, abi.SecurityOp, string, string) (string, *Error) {
	return "", nil
}
func (nullHost) Tick(uint32, uint32) abi.Status { return abi.OK }
func (nullHost) Log(uint32, string)             {}
func (nullHost) Timer(uint32, uint32, int64)    {}
func (nullHost) Consumed([]Consumption)         {}

func startRecord(w *abi.RecordWriter, h uint32, src string) {
	w.Begin(abi.RecordStart, h)
	w.String("{pid}")
	w.String("bench")
	w.String(src)
	w.Bytes(abi.AppendArray(nil, 0))
	w.Bytes(nil) // context
	w.Bytes(nil) // lineage
	w.End()
}

// TestCloseEndsTasks: Close unwinds every process's goroutines (blocked in a
// receive, busy in a loop, or not started yet) without reporting exits.
func TestCloseEndsTasks(t *testing.T) {
	before := runtime.NumGoroutine()
	in := New(nullHost{}, Options{})
	var w abi.RecordWriter
	for h := uint32(1); h <= 50; h++ {
		startRecord(&w, h, `return function()
			coroutine.spawn(function() process.inbox():receive() end)
			process.inbox():receive()
		end`)
	}
	if _, err := in.Step(w.Batch(), 1e6); err != nil {
		t.Fatal(err)
	}
	w.Reset()
	startRecord(&w, 51, `return function() while true do end end`)
	if _, err := in.Step(w.Batch(), 1e5); err != nil {
		t.Fatal(err)
	}
	in.Close()
	for i := 0; i < 100 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left after Close (%d before)", n, before)
	}
}
