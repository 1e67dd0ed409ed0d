package host

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/policies"
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

// spawnIdle runs the idle bundle's main, which spawns n idle children, and
// waits for it to return.
func spawnIdle(b *testing.B, ten *Tenant, n int) {
	b.Helper()
	_, exit, err := ten.Spawn("main", DefaultHost, Args(strconv.Itoa(n)))
	if err != nil {
		b.Fatal(err)
	}
	if e := wait(b, exit); e.Abnormal {
		b.Fatal(e.Error)
	}
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
			spawnIdle(b, ten, 2)
			before := ten.Stats(true)
			goBefore := goHeap()
			b.ResetTimer()
			spawnIdle(b, ten, b.N)
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

var oneWay = map[string]string{
	"main.lua": `return function(n)
		n = tonumber(n)
		local sink = process.spawn_monitored("sink", "app:processes", process.pid(), n)
		for i = 1, n do
			while not process.send(sink, "m", i) do -- a full mailbox: back off
				time.sleep(1)
			end
		end
		return process.inbox():receive():payload()
	end`,
	"sink.lua": `return function(main, n)
		local inbox = process.inbox()
		for _ = 1, n do inbox:receive() end
		process.send(main, "done", n)
	end`,
}

// BenchmarkSendPolicy is one-way send throughput (ns per message) with the
// allow-all policy and with a 100-rule policy (cached decisions), sandboxed
// and native: what a permission check costs a send.
func BenchmarkSendPolicy(b *testing.B) {
	var rules strings.Builder
	for i := 0; i < 98; i++ {
		fmt.Fprintf(&rules, "p, app.svc%d:*, process.send, app.svc%d:*, allow\n", i, i)
	}
	rules.WriteString("p, main, process.*, **, allow\np, sink, process.send, main, allow\n")
	hundred, err := policies.Parse("hundred", []byte(rules.String()))
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range modes {
		for _, pol := range []struct {
			name   string
			policy *policies.Policy
		}{{"allow-all", nil}, {"100-rules", hundred}} {
			b.Run(m.name+"/"+pol.name, func(b *testing.B) {
				cfg := Config{Shards: 2}
				if !m.native {
					cfg.Engine = testEngine(b)
				}
				rt := New(cfg)
				defer rt.Close()
				ten, err := rt.AddTenant(TenantConfig{Name: "b", Bundle: writeBundle(b, oneWay), Native: m.native, Policy: pol.policy})
				if err != nil {
					b.Fatal(err)
				}
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
}

// BenchmarkGuestCollect is one full garbage collection of a sandbox guest
// holding n idle processes (Tenant.Stats(true) runs it on the shard): the
// pause a busy instance's collector puts on its shard grows with the
// processes it holds.
func BenchmarkGuestCollect(b *testing.B) {
	for _, n := range []int{100, 1000, 4000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			_, ten, _ := newTestRuntime(b, false, 1, writeBundle(b, idle))
			spawnIdle(b, ten, n)
			st := ten.Stats(true)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st = ten.Stats(true)
			}
			b.ReportMetric(float64(st[0].Heap)/float64(n), "heapB/proc")
		})
	}
}
