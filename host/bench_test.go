package host

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

var pingPong = map[string]string{
	"main.lua": `return function(n)
		n = tonumber(n)
		local pong = process.spawn("pong", "app:processes")
		local inbox = process.inbox()
		for i = 1, n do
			process.send(pong, "ping", i)
			inbox:receive()
		end
		process.send(pong, "stop")
		return n
	end`,
	"pong.lua": `return function()
		local inbox = process.inbox()
		while true do
			local m = inbox:receive()
			if m:topic() == "stop" then return end
			process.send(m:from(), "pong", m:payload())
		end
	end`,
}

// BenchmarkPingPong reports one round trip between two processes, sandboxed
// and native side by side.
func BenchmarkPingPong(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			_, ten, _ := newTestRuntime(b, m.native, shardsFromEnv(2), writeBundle(b, pingPong))
			b.ResetTimer()
			_, exit, err := ten.Spawn("main", DefaultHost, Args(strconv.Itoa(b.N)))
			if err != nil {
				b.Fatal(err)
			}
			if e := wait(b, exit); e.Abnormal {
				b.Fatal(e.Error)
			}
		})
	}
}

var idle = map[string]string{
	// main spawns n idle children, then reports back and waits to be told to stop.
	"main.lua": `return function(n)
		n = tonumber(n)
		for i = 1, n do
			assert(process.spawn("idle", "app:processes"))
		end
		process.send(process.registry.lookup("bench") or process.pid(), "spawned", n)
		return n
	end`,
	"idle.lua": `return function() process.inbox():receive() end`,
}

// BenchmarkSpawn reports the cost of one process.spawn of an idle process,
// sandboxed and native side by side, and the memory each idle process holds:
// guest heap and linear memory per process (sandbox), Go heap per process
// (native).
func BenchmarkSpawn(b *testing.B) {
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			_, ten, _ := newTestRuntime(b, m.native, 2, writeBundle(b, idle))
			// Warm up: instantiate the tenant's instances, compile the sources.
			_, exit, _ := ten.Spawn("main", DefaultHost, Args("2"))
			wait(b, exit)
			before := ten.Stats(true)
			goBefore := goHeap()
			b.ResetTimer()
			_, exit, err := ten.Spawn("main", DefaultHost, Args(strconv.Itoa(b.N)))
			if err != nil {
				b.Fatal(err)
			}
			if e := wait(b, exit); e.Abnormal {
				b.Fatal(e.Error)
			}
			// The children start asynchronously; stats wait for each shard.
			after := ten.Stats(true)
			b.StopTimer()
			goAfter := goHeap()
			var heap, linear int64
			for i := range after {
				heap += int64(after[i].Heap)
				linear += int64(after[i].Linear)
				if i < len(before) {
					heap -= int64(before[i].Heap)
					linear -= int64(before[i].Linear)
				}
			}
			if m.native {
				b.ReportMetric(float64(goAfter-goBefore)/float64(b.N), "heapB/proc")
			} else {
				b.ReportMetric(float64(heap)/float64(b.N), "heapB/proc")
				b.ReportMetric(float64(linear)/float64(b.N), "linearB/proc")
			}
		})
	}
}

func goHeap() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// shardsFromEnv lets a benchmark run be repeated with another shard count
// (MOONBOX_BENCH_SHARDS=1) to separate scheduling from guest costs.
func shardsFromEnv(def int) int {
	if n, err := strconv.Atoi(os.Getenv("MOONBOX_BENCH_SHARDS")); err == nil && n > 0 {
		return n
	}
	return def
}
