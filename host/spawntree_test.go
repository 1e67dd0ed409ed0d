package host

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// siblingBomb is a tenant whose main spawns a fork bomb, then a ping-pong
// pair beside it: ping prints "done" after its round trips.
var siblingBomb = map[string]string{
	"main.lua": `return function(rounds)
		process.spawn("bomb", "app:processes")
		local pong = process.spawn("pong", "app:processes")
		process.spawn("ping", "app:processes", pong, tonumber(rounds))
	end`,
	"bomb.lua": `return function()
		local spawn = process.spawn
		while true do spawn("bomb", "app:processes") end
	end`,
	"ping.lua": `return function(pong, rounds)
		local inbox = process.inbox()
		for i = 1, rounds do
			process.send(pong, "ping", i)
			local m = inbox:receive()
			if m:payload() ~= i then error("reply " .. tostring(m:payload()) .. " to ping " .. i) end
			if i % 10 == 0 then print("10 more") end
		end
		print("done")
	end`,
	"pong.lua": `return function()
		local inbox = process.inbox()
		while true do
			local m = inbox:receive()
			process.send(m:from(), "pong", m:payload())
		end
	end`,
}

// TestSpawnBombBesideItsSiblings: a ping-pong pair spawned beside a fork
// bomb by the same parent, with default limits, completes its round trips
// while the bomb has made few spawns. The measure is logical, not a time:
// the bomb's spawns when the pair is done. With one run queue served in
// turn, every runnable bomb process ran a period (a spawn) before each step
// of the pair, so the pair had not completed one round trip when the bomb
// had made 2,000 spawns; sharing the CPU along the spawn tree gives
// the bomb's subtree one slot beside the pair (30-40 spawns in all).
//
// One shard: the bomb can spawn only while the pair's instance runs, so the
// count measures the instance's scheduling. Across shards the bomb's other
// instance runs meanwhile, and the count would measure the host's timing
// (its collector, with thousands of processes); moonbox stress's
// sibling-bomb row measures that case (examples/hostile/defaults).
func TestSpawnBombBesideItsSiblings(t *testing.T) {
	const rounds, maxSpawns = 200, 2_000
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			limits := tenants.DefaultLimits()
			var once sync.Once
			var progress atomic.Int64
			done := make(chan struct{})
			errs := make(chan string, 16)
			rt := New(Config{Shards: 1, Engine: engineFor(t, m.native), Log: func(_, _, line string) {
				if line == "10 more" {
					progress.Add(10)
				}
				if line == "done" {
					once.Do(func() { close(done) })
				}
			}, Warn: func(_, msg string) {
				select {
				case errs <- msg:
				default:
				}
			}})
			t.Cleanup(rt.Close)
			ten, err := rt.AddTenant(TenantConfig{Name: "test", Native: m.native, Limits: &limits, Bundle: writeBundle(t, siblingBomb)})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := ten.Spawn("main", DefaultHost, Args(strconv.Itoa(rounds))); err != nil {
				t.Fatal(err)
			}
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					n := ten.Counters().Spawns
					t.Logf("the pair completed %d round trips when the tenant had made %d spawns", rounds, n)
					return
				case <-tick.C:
					if n := ten.Counters().Spawns; n > maxSpawns {
						t.Fatalf("the bomb made %d spawns while the pair completed %d round trips of %d, want fewer than %d", n, progress.Load(), rounds, maxSpawns)
					}
				case msg := <-errs:
					if strings.Contains(msg, "crashed") {
						t.Fatal(msg)
					}
				}
			}
		})
	}
}
