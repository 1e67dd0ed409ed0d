package sandbox

import (
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
)

// acceptingHost accepts every send, so the benchmarks measure the path a
// delivered message takes.
type acceptingHost struct{ recordingHost }

func (h *acceptingHost) Send(uint32, string, string, []byte) (uint32, *abi.Error) { return 0, nil }

// stepper is what a benchmark drives: a sandbox Instance or a native
// vm.Instance.
type stepper interface {
	Step(batch []byte, budget int64) (bool, error)
}

// BenchmarkStep is one step that delivers one message to a process, with a
// host that does nothing: the guest's own cost per activation, in the
// sandbox and natively side by side. The process receives (recv), answers
// (echo), receives at the top level and inside pcall in turn (alternate: a
// task moves between a coroutine and a goroutine at every step), or sends a
// hundred messages (send100) per message received.
func BenchmarkStep(b *testing.B) {
	for _, w := range []struct{ name, src string }{
		{"recv", `return function()
			local inbox = process.inbox()
			while true do inbox:receive() end
		end`},
		{"echo", `return function()
			local inbox = process.inbox()
			while true do
				local m = inbox:receive()
				process.send(m:from(), "pong", m:payload())
			end
		end`},
		{"alternate", `return function()
			local inbox = process.inbox()
			while true do
				inbox:receive()
				pcall(inbox.receive, inbox)
			end
		end`},
		{"send100", `return function()
			local inbox, send = process.inbox(), process.send
			while true do
				local m = inbox:receive()
				for i = 1, 100 do send(m:from(), "pong", i) end
			end
		end`},
	} {
		b.Run(w.name+"/sandbox", func(b *testing.B) {
			in, err := sharedEngine(b).NewInstance(&acceptingHost{}, InstanceConfig{})
			if err != nil {
				b.Fatal(err)
			}
			defer in.Close()
			benchStep(b, in, w.src)
		})
		b.Run(w.name+"/native", func(b *testing.B) {
			in := vm.New(&acceptingHost{}, vm.Options{})
			defer in.Close()
			benchStep(b, in, w.src)
		})
	}
}

func benchStep(b *testing.B, in stepper, src string) {
	if _, err := in.Step(startRecord(1, "bench", src), 1e6); err != nil {
		b.Fatal(err)
	}
	var w abi.RecordWriter
	w.Begin(abi.RecordMessage, 1)
	w.String("{from}")
	w.String("ping")
	w.Bytes(abi.AppendInt(abi.AppendArray(nil, 1), 5))
	w.End()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := in.Step(w.Batch(), 1e6); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewInstance is the cost of a tenant's first instance on a shard
// before any process runs: in the sandbox from the engine's snapshot, and
// initialised (instantiating the guest and building its Lua state: the
// standard library, the frozen library proxies); natively, building the Lua
// state.
func BenchmarkNewInstance(b *testing.B) {
	b.Run("sandbox", func(b *testing.B) { benchNewInstances(b, sharedEngine(b)) })
	b.Run("sandbox-initialised", func(b *testing.B) {
		e, err := NewEngine(EngineConfig{NoSnapshot: true})
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		benchNewInstances(b, e)
	})
	b.Run("native", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			vm.New(&acceptingHost{}, vm.Options{}).Close()
		}
	})
}

func benchNewInstances(b *testing.B, e *Engine) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		in, err := e.NewInstance(&acceptingHost{}, InstanceConfig{})
		if err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}
