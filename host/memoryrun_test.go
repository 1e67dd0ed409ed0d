package host

import (
	"strconv"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestMemoryRunEndsABomb: with default limits (2 shards: 512 MiB instances,
// a soft limit of 378 MiB), a process growing an array of tables without
// waiting is ended by memory_run once it has grown the heap by 32 MiB, long
// before the soft limit would: it reached 2.6 million tables (17-24 s in
// the stress run) before. Beside it, processes of the same tenant that use
// memory legitimately live on: one that keeps ~50 MiB, built ~10 MiB a
// message, and two that churn through ~60 MiB of garbage each without
// waiting.
// Sandbox only: native mode shares the host's heap and has no meter.
func TestMemoryRunEndsABomb(t *testing.T) {
	logs := &logLines{}
	rt := New(Config{Shards: 2, Log: logs.add}) // the engine of the tenant's memory cap, as in production
	t.Cleanup(rt.Close)
	limits := tenants.DefaultLimits()
	ten, err := rt.AddTenant(TenantConfig{Name: "test", Limits: &limits, Bundle: writeBundle(t, map[string]string{
		"bomb.lua": `return function()
			local t, i = {}, 0
			while true do
				i = i + 1
				t[i] = { i }
				if i % 10000 == 0 then print("bomb " .. i) end
			end
		end`,
		"keeper.lua": `return function()
			local kept, inbox = {}, process.inbox()
			for _ = 1, 5 do
				inbox:receive()
				local part = {}
				for i = 1, 70000 do part[i] = { i } end -- ~10 MiB
				kept[#kept + 1] = part
			end
			return #kept
		end`,
		"churner.lua": `return function()
			local n = 0
			for _ = 1, 400000 do -- ~60 MiB of tables, each garbage at once
				local t = { n }
				n = n + #t
			end
			return n
		end`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	keeper, keeperExit, err := ten.Spawn("keeper", DefaultHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := ten.Send(keeper, "grow", nil); err != nil {
			t.Fatal(err)
		}
	}
	_, bombExit, err := ten.Spawn("bomb", DefaultHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	churnerExits := spawnN(t, ten, "churner", 2) // on both shards, likely: beside the bomb too

	e := wait(t, bombExit)
	if !e.Abnormal || !strings.Contains(e.Error, "memory limit exceeded") || !strings.Contains(e.Error, "memory_run") {
		t.Fatalf("bomb exit: %+v, want \"memory limit exceeded ... (memory_run)\"", e)
	}
	reached := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if n, found := strings.CutPrefix(line, "bomb "); found {
			reached, _ = strconv.Atoi(n)
		}
	}
	// 32 MiB of one-element tables is ~250,000 of them; the soft limit
	// would have let the bomb reach ~2.6 million.
	if reached == 0 || reached > 600_000 {
		t.Errorf("the bomb reached %d tables, want it ended by memory_run (~250,000), not by the soft limit", reached)
	}
	for i, exit := range churnerExits {
		if e := wait(t, exit); e.Abnormal {
			t.Errorf("churner %d: %s %s, want a normal exit", i, e.Kind, e.Error)
		} else if v, err := exitValueJSON(e.Value); err != nil || v != "400000" {
			t.Errorf("churner %d returned %s (%v), want 400000", i, v, err)
		}
	}
	if e := wait(t, keeperExit); e.Abnormal {
		t.Errorf("keeper: %s %s, want a normal exit", e.Kind, e.Error)
	} else if v, err := exitValueJSON(e.Value); err != nil || v != "5" {
		t.Errorf("keeper returned %s (%v), want 5 parts kept", v, err)
	}
}
