package host

import (
	"context"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// BenchmarkRoute is the host's routing path of one message (the checks of
// Tenant.send: topic, payload, resolving the PID, the policy, the mailbox
// bounds, and the post) between independent pairs of untrusted Go-side
// processes, one pair per goroutine, no guest involved: run it with
// `-cpu 1,2,4` to see whether pairs on different cores contend on anything
// shared (a lock, a counter, a cache line) as they would on a 32- or 64-core
// machine. Each receiver drains its queue every 64 messages. On a busy
// machine the wall clock says little; cpu-ns/op (the process's CPU time
// per message) still rises with what the pairs contend on.
func BenchmarkRoute(b *testing.B) {
	pol, err := policies.Parse("route", []byte("p, sender, process.send, receiver, allow\n"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		policy *policies.Policy
	}{{"allow-all", nil}, {"policy", pol}} {
		b.Run(c.name, func(b *testing.B) {
			rt := New(Config{Shards: 2})
			defer rt.Close()
			ten, err := rt.AddTenant(TenantConfig{Name: "route", Native: true, Policy: c.policy,
				Bundle: writeBundle(b, map[string]string{"main.lua": "return function() end"})})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			payload := abi.AppendInt(abi.AppendArray(nil, 1), 7)
			var failed atomic.Value
			b.ReportAllocs()
			cpu0 := cpuTime()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				from, err := ten.NewGoProcess(GoOptions{Actor: "sender"})
				if err != nil {
					b.Error(err)
					return
				}
				to, err := ten.NewGoProcess(GoOptions{Actor: "receiver"})
				if err != nil {
					b.Error(err)
					return
				}
				dest := to.PID()
				for n := 0; pb.Next(); n++ {
					if err := from.Send(dest, "m", payload); err != nil {
						failed.Store(err)
						for pb.Next() {
						}
						return
					}
					if n%64 == 63 {
						for range 64 {
							if _, err := to.Receive(ctx); err != nil {
								failed.Store(err)
							}
						}
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			if err, isErr := failed.Load().(error); isErr {
				b.Fatal(err)
			}
		})
	}
}

var sendPairs = map[string]string{
	// receiver(n): after "go", count n messages, acking every 1,000 to the
	// sender; "stop" instead of "go" ends it (a spawn on the wrong shard).
	"receiver.lua": `return function(n)
		n = tonumber(n)
		local inbox = process.inbox()
		if inbox:receive():topic() == "stop" then return 0 end
		local send = process.send
		for count = 1, n do
			local m = inbox:receive()
			if count % 1000 == 0 then send(m:from(), "ack", count) end
		end
		return n
	end`,
	// sender(dest, n): after "go", send n messages to dest, at most 5,000
	// of them unacknowledged (the mailbox bound is never hit).
	"sender.lua": `return function(dest, n)
		n = tonumber(n)
		local inbox = process.inbox()
		if inbox:receive():topic() == "stop" then return 0 end
		local send = process.send
		local acked = 0
		for i = 1, n do
			while i - acked > 5000 do acked = inbox:receive():payload() end
			local ok, err = send(dest, "m", i)
			if not ok then error(err) end
		end
		return n
	end`,
}

// BenchmarkSendPairs is send16 through the whole path, Lua to Lua: 16
// sender -> receiver pairs with as many shards as GOMAXPROCS, the pairs
// either each on one shard, spread evenly ("own-shard": nothing but the
// runtime and the tenant is shared between shards), or placed by PID hash
// as the bench's send16 does ("by-hash": about half the pairs cross
// shards). Run it with `-cpu 1,2,4`: on an idle machine with that many
// processors, ns/op (wall time per message) should fall in proportion;
// cpu-ns/msg (the process's CPU time per message, from getrusage) says
// what each message costs whatever the machine's load, so a rise of it
// with the shards is overhead the shards add (contention, wake-ups,
// polling), not a busy neighbour.
func BenchmarkSendPairs(b *testing.B) {
	const pairs = 16
	for _, m := range modes {
		for _, placement := range []string{"own-shard", "by-hash"} {
			b.Run(m.name+"/"+placement, func(b *testing.B) {
				shards := runtime.GOMAXPROCS(0)
				_, ten, _ := newTestRuntime(b, m.native, shards, writeBundle(b, sendPairs))
				starter, err := ten.NewGoProcess(GoOptions{Trusted: true})
				if err != nil {
					b.Fatal(err)
				}
				// spawnOn spawns id until it lands on shard (any shard
				// for -1); the misses are told to stop.
				spawnOn := func(shard int, id string, args ...string) (string, <-chan Exit) {
					for {
						pid, exit, err := ten.Spawn(id, DefaultHost, Args(args...))
						if err != nil {
							b.Fatal(err)
						}
						if shard < 0 || ShardOf(pid, shards) == shard {
							return pid, exit
						}
						if err := starter.Send(pid, "stop", nil); err != nil {
							b.Fatal(err)
						}
					}
				}
				per := strconv.Itoa(max(1, b.N/pairs))
				var started []string
				var exits []<-chan Exit
				for i := range pairs {
					shard := i % shards
					if placement == "by-hash" {
						shard = -1
					}
					rpid, rexit := spawnOn(shard, "receiver", per)
					if shard < 0 {
						shard = ShardOf(rpid, shards)
					}
					spid, sexit := spawnOn(shard, "sender", rpid, per)
					started = append(started, rpid, spid)
					exits = append(exits, rexit, sexit)
				}
				cpu0, idle0, gc0 := cpuTime(), procSeconds(idleProcs), procSeconds(gcProcs)
				wall0 := time.Now()
				b.ResetTimer()
				for _, pid := range started {
					if err := starter.Send(pid, "go", nil); err != nil {
						b.Fatal(err)
					}
				}
				for _, exit := range exits {
					if e := wait(b, exit); e.Abnormal {
						b.Fatal(e.Error)
					}
				}
				b.StopTimer()
				wall := time.Since(wall0).Seconds() * float64(shards)
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/msg")
				b.ReportMetric(100*(procSeconds(idleProcs)-idle0)/wall, "%idle-procs")
				b.ReportMetric(100*(procSeconds(gcProcs)-gc0)/wall, "%gc")
			})
		}
	}
}

// cpuTime is the CPU time the process has used, user and system, in every
// thread.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The runtime's own account of its processors' time (runtime/metrics): how
// much of it no goroutine wanted (on a busy machine too, unlike the wall
// clock), and how much the collector took.
const (
	idleProcs = "/cpu/classes/idle:cpu-seconds"
	gcProcs   = "/cpu/classes/gc/total:cpu-seconds"
)

func procSeconds(name string) float64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Float64()
}
