package host

import (
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestCPURunEndsARunaway: with default limits but a small cpu_run, a process
// that never waits is ended with TIMEOUT, while one that runs as long in all
// but waits between messages (a busy server) is not: cpu_run counts the
// instructions since the last wait, not over a process's life.
func TestCPURunEndsARunaway(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			limits := tenants.DefaultLimits()
			limits.CPURun = 2_000_000
			rt := New(Config{Shards: 1, Engine: engineFor(t, m.native)})
			t.Cleanup(rt.Close)
			ten, err := rt.AddTenant(TenantConfig{Name: "test", Native: m.native, Limits: &limits, Bundle: writeBundle(t, map[string]string{
				"runaway.lua": `return function() local x = 0 while true do x = x + 1 end end`,
				"poller.lua": `return function()
					local ch = channel.new()
					while true do channel.select({ch:case_receive(), default = true}) end
				end`,
				"server.lua": `return function()
					local inbox = process.inbox()
					local total = 0
					for i = 1, 40 do
						inbox:receive()
						for j = 1, 50000 do total = total + j end -- 40 x ~200,000 instructions
					end
					return "served"
				end`,
			})})
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"runaway", "poller"} {
				e := run(t, ten, id)
				if !e.Abnormal || e.Kind != "TIMEOUT" || !strings.Contains(e.Error, "without waiting") {
					t.Errorf("%s: %s %q, want TIMEOUT ... without waiting", id, e.Kind, e.Error)
				}
			}
			pid, exit, err := ten.Spawn("server", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 40; i++ {
				if err := ten.Send(pid, "work", nil); err != nil {
					t.Fatal(err)
				}
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatalf("server: %s %s, want a normal exit (it waits between messages)", e.Kind, e.Error)
			}
		})
	}
}

func engineFor(t *testing.T, native bool) *sandbox.Engine {
	if native {
		return nil
	}
	return testEngine(t)
}

// TestCPURunSpawnLoop: a spawn the host accepted does not count towards
// cpu_run (it is charged 2,000 instructions, for turns and cpu_total): a
// parent spawning 3,000 children in one loop (6,000,000 instructions of
// charges) is not ended by a cpu_run of 2,000,000, as a benchmark's 100,000
// spawns were by the default. A loop of refused spawns (past the processes
// quota) still is.
func TestCPURunSpawnLoop(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			rt := New(Config{Shards: 1, Engine: engineFor(t, m.native)})
			t.Cleanup(rt.Close)
			tenant := func(name string, processes int) *Tenant {
				limits := tenants.DefaultLimits()
				limits.CPURun, limits.Processes = 2_000_000, processes
				ten, err := rt.AddTenant(TenantConfig{Name: name, Native: m.native, Limits: &limits, Bundle: writeBundle(t, map[string]string{
					"parent.lua": `return function()
						for i = 1, 3000 do assert(process.spawn("child", "app:processes")) end
						return "spawned"
					end`,
					"child.lua": `return function() end`,
					"refused.lua": `return function()
						for i = 1, 4 do assert(process.spawn("sleeper", "app:processes")) end
						while true do process.spawn("sleeper", "app:processes") end
					end`,
					"sleeper.lua": `return function() process.inbox():receive() end`,
				})})
				if err != nil {
					t.Fatal(err)
				}
				return ten
			}
			if e := run(t, tenant("setup", 10_000), "parent"); e.Abnormal {
				t.Fatalf("parent: %s %s, want a normal exit (accepted spawns are not a runaway)", e.Kind, e.Error)
			}
			e := run(t, tenant("quota", 5), "refused")
			if !e.Abnormal || e.Kind != "TIMEOUT" || !strings.Contains(e.Error, "without waiting") {
				t.Errorf("refused spawns: %s %q, want TIMEOUT ... without waiting", e.Kind, e.Error)
			}
		})
	}
}
