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
