package vm

import (
	"runtime"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
)

// exitHost records the processes that exited.
type exitHost struct {
	nullHost
	exits map[uint32]bool // handle -> abnormal
}

func (h *exitHost) Exit(p uint32, abnormal bool, _ []byte) { h.exits[p] = abnormal }

// goroutinesSettle waits for goroutines that are ending to be gone, and
// returns how many are left.
func goroutinesSettle(atMost int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 100 && n > atMost; i++ {
		time.Sleep(5 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

// TestParkedProcessesHoldNoGoroutine: a process blocked at the top level
// of its code is parked as a coroutine, without a goroutine; one blocked
// inside pcall keeps one; waking them in turn moves each between the two,
// and a kill ends either.
func TestParkedProcessesHoldNoGoroutine(t *testing.T) {
	host := &exitHost{exits: map[uint32]bool{}}
	in := New(host, Options{})
	base := goroutinesSettle(0)
	const n = 40
	var w abi.RecordWriter
	for h := uint32(1); h <= n; h++ {
		startRecord(&w, h, `return function()
			local inbox = process.inbox()
			local k = 0
			while true do
				if k % 2 == 0 then inbox:receive() else pcall(inbox.receive, inbox) end
				k = k + 1
			end
		end`)
	}
	step := func() {
		t.Helper()
		if _, err := in.Step(w.Batch(), 1e9); err != nil {
			t.Fatal(err)
		}
		w.Reset()
	}
	step()
	// The scheduler's runner is the one goroutine the instance holds (with
	// the spare, once a task has left a goroutine free).
	if got := goroutinesSettle(base + 1); got > base+1 {
		t.Fatalf("%d processes waiting at the top level hold %d goroutines, want at most 1", n, got-base)
	}
	message := func(h uint32) {
		w.Begin(abi.RecordMessage, h)
		w.Bytes([]byte("{from}"))
		w.Bytes([]byte("t"))
		w.Bytes(abi.AppendArray(nil, 0))
		w.End()
	}
	for h := uint32(1); h <= n; h++ {
		message(h)
	}
	step()
	if got := goroutinesSettle(base + n + 2); got < base+n+1 || got > base+n+2 {
		t.Fatalf("%d processes waiting inside pcall, the runner and a spare hold %d goroutines, want %d or %d", n, got-base, n+1, n+2)
	}
	for h := uint32(1); h <= n; h++ {
		message(h)
	}
	step()
	if got := goroutinesSettle(base + 2); got > base+2 {
		t.Fatalf("after waiting inside pcall, %d processes waiting at the top level again hold %d goroutines, want the runner and a spare", n, got-base)
	}
	// Half wait inside pcall; kill every process, in both states.
	for h := uint32(1); h <= n/2; h++ {
		message(h)
	}
	step()
	for h := uint32(1); h <= n; h++ {
		w.Begin(abi.RecordKill, h)
		w.Uint(uint64(abi.Canceled))
		w.String("terminated")
		w.End()
	}
	step()
	if len(host.exits) != n || in.Processes() != 0 {
		t.Fatalf("%d of %d killed processes exited; %d left", len(host.exits), n, in.Processes())
	}
	for h, abnormal := range host.exits {
		if !abnormal {
			t.Errorf("process %d exited normally after a kill", h)
		}
	}
	if got := goroutinesSettle(base + 2); got > base+2 {
		t.Fatalf("%d goroutines left after every process ended, want the runner and a spare", got-base)
	}
	in.Close()
	if got := goroutinesSettle(base); got > base {
		t.Fatalf("%d goroutines left after Close", got-base)
	}
}

// logHost keeps what processes print.
type logHost struct {
	exitHost
	lines []string
}

func (h *logHost) Log(_ uint32, line string) { h.lines = append(h.lines, line) }

// TestCoroutineRunningIsOwn: coroutine.running() is a thread of the calling
// process, never one a neighbour left current (gopher-lua keeps one
// current thread for the whole state): a process holding a neighbour's
// thread could resume it, and run the neighbour's code.
func TestCoroutineRunningIsOwn(t *testing.T) {
	host := &logHost{exitHost: exitHost{exits: map[uint32]bool{}}}
	in := New(host, Options{})
	defer in.Close()
	var w abi.RecordWriter
	startRecord(&w, 1, `return function()
		local co = coroutine.create(function() coroutine.yield() end)
		coroutine.resume(co) -- leaves this process's thread current
		process.inbox():receive()
		print("A woke")
		return true
	end`)
	startRecord(&w, 2, `return function()
		local th = coroutine.running()
		local c = coroutine.create(function() coroutine.yield() end)
		coroutine.resume(c)
		print("B", coroutine.resume(th))
		return true
	end`)
	if _, err := in.Step(w.Batch(), 1e9); err != nil {
		t.Fatal(err)
	}
	w.Reset()
	w.Begin(abi.RecordMessage, 1)
	w.Bytes([]byte("{from}"))
	w.Bytes([]byte("t"))
	w.Bytes(abi.AppendArray(nil, 0))
	w.End()
	if _, err := in.Step(w.Batch(), 1e9); err != nil {
		t.Fatal(err)
	}
	want := []string{"B\tfalse\tcan not resume a running thread", "A woke"}
	if len(host.lines) != 2 || host.lines[0] != want[0] || host.lines[1] != want[1] {
		t.Fatalf("printed %q, want %q", host.lines, want)
	}
	if abnormal, ok := host.exits[1]; !ok || abnormal {
		t.Fatalf("A's exit: %v (exited %v)", abnormal, ok)
	}
}

// TestPreemptedProcessesHoldNoGoroutine: busy processes preempted at a
// tick at the top level of their code suspend as coroutines, holding no
// goroutine; preempted inside pcall, each keeps one until it next waits or
// ends. Either way they take turns and compute what they would unpreempted.
func TestPreemptedProcessesHoldNoGoroutine(t *testing.T) {
	for _, c := range []struct {
		name, loop string
		held       int // goroutines each busy process holds while preempted
	}{
		{"top level", `for i = 1, 20000 do k = k + i end`, 0},
		{"inside pcall", `pcall(function() for i = 1, 20000 do k = k + i end end)`, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			host := &exitHost{exits: map[uint32]bool{}}
			in := New(host, Options{TickEvery: 1000})
			base := goroutinesSettle(0)
			const n = 20
			var w abi.RecordWriter
			for h := uint32(1); h <= n; h++ {
				startRecord(&w, h, `return function()
					local k = 0
					`+c.loop+`
					if k ~= 200010000 then error("sum " .. k) end
					return true
				end`)
			}
			for steps := 0; steps == 0 || in.Processes() > 0; steps++ {
				if steps > 1000 {
					t.Fatalf("%d processes still running after %d steps", in.Processes(), steps)
				}
				// A turn of a few ticks per process: each is preempted
				// several times before it ends.
				if _, err := in.Step(w.Batch(), n*3000); err != nil {
					t.Fatal(err)
				}
				w.Reset()
				if steps == 0 {
					// Every process has run a tick and been preempted: the
					// runner, and a goroutine each kept, are all there is.
					want := base + 1 + c.held*n
					if got := goroutinesSettle(want); got != want {
						t.Fatalf("%d busy processes preempted %s hold %d goroutines, want %d", n, c.name, got-base-1, want-base-1)
					}
				}
			}
			if len(host.exits) != n {
				t.Fatalf("%d of %d processes exited", len(host.exits), n)
			}
			for h, abnormal := range host.exits {
				if abnormal {
					t.Errorf("process %d exited abnormally", h)
				}
			}
			in.Close()
		})
	}
}
