package host

import (
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestSandboxCrashIsContained: a trap of an instance (here a record the
// guest cannot decode: it panics, as it would on a Go fatal error) takes
// down exactly that instance: every process in it exits abnormally with
// "sandbox crashed" (through the same exit path that notifies monitors and
// links), and the tenant's next spawn gets a fresh instance. No Lua program
// is known to trap an instance any more: the parser's nesting, which did
// (200,000 nested parentheses in one loadstring), is bounded now.
func TestSandboxCrashIsContained(t *testing.T) {
	ten := tenantWithMemory(t, 1024, map[string]string{ // 64 MiB
		"victim.lua": `return function() process.inbox():receive() end`,
		"ok.lua":     `return function() return "fresh" end`,
	})
	exits := spawnN(t, ten, "victim", 2)
	ten.mu.Lock()
	in := ten.instances[0]
	ten.mu.Unlock()
	in.post(abi.RecordKind(200), &process{handle: 1}, func(*abi.RecordWriter) {}, nil)
	for i, exit := range exits {
		e := wait(t, exit)
		if !e.Abnormal || !strings.HasPrefix(e.Error, "sandbox crashed: ") || !strings.Contains(e.Error, "unknown record kind 200") || e.Kind != "INTERNAL" {
			t.Errorf("victim %d exit: %+v, want abnormal INTERNAL \"sandbox crashed: ...unknown record kind 200\"", i, e)
		}
	}
	if e := run(t, ten, "ok"); e.Abnormal {
		t.Fatalf("a fresh instance after the crash: %+v", e)
	}
}

// TestConcatBombEndsOnlyItself: `..` refuses to build a string past the
// builtins' size cap (64 MiB) and is charged by the bytes it builds, so the
// memory soft limit sees the heap grow between doublings: a doubling bomb
// ends with an error of its own, never a trap, whether it stops at the cap
// or keeps its strings under pcall; its sibling in the same instance lives
// on.
func TestConcatBombEndsOnlyItself(t *testing.T) {
	// 512 MiB: the soft limit (three quarters less the guest's 6 MiB) leaves
	// 134 MiB, more than one 63 MiB string (a sixth of the soft limit), for
	// the allocation that crosses it.
	ten := tenantWithMemory(t, 8192, map[string]string{
		"bomb.lua": `return function()
			local s = string.rep("x", 1024 * 1024)
			while true do s = s .. s end
		end`,
		"hoarder.lua": `return function()
			local keep, s = {}, string.rep("x", 1024 * 1024)
			while true do
				local ok, bigger = pcall(function() return s .. s end)
				if ok then s = bigger else keep[#keep + 1] = s .. "" end
			end
		end`,
	})
	siblingAlive := spawnSibling(t, ten)
	// The hoarder first: the heap it leaves is garbage, and the bomb after
	// it must not be blamed for it (a guard that trusted the runtime's last
	// collection did).
	for _, c := range []struct{ bomb, want string }{
		{"hoarder", "memory limit exceeded"},
		{"bomb", "exceeds the limit of 66060288"},
	} {
		if e := run(t, ten, c.bomb); !e.Abnormal || !strings.Contains(e.Error, c.want) {
			t.Fatalf("%s exit: %+v, want abnormal with %q", c.bomb, e, c.want)
		}
	}
	siblingAlive()
}

// tenantWithMemory adds a sandboxed tenant running files (and sibling.lua,
// see spawnSibling) to a one-shard runtime whose instances have a linear
// memory cap of pages (64 KiB each).
func tenantWithMemory(t *testing.T, pages uint32, files map[string]string) *Tenant {
	t.Helper()
	e, err := sandbox.NewEngine(sandbox.EngineConfig{MemoryLimitPages: pages})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	rt := New(Config{Shards: 1, Engine: e})
	t.Cleanup(rt.Close) // runs before the engine's Close
	files["sibling.lua"] = `return function() return process.inbox():receive():payload() end`
	// memory_run off: these tests are about what stops a process when it
	// does not (the soft limit, the string and table caps, the matcher's
	// depth); a doubling `..` bomb would otherwise end by it first.
	limits := tenants.DefaultLimits()
	limits.MemoryRun = 0
	ten, err := rt.AddTenant(TenantConfig{Name: "crashy", Limits: &limits, Bundle: writeBundle(t, files)})
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// TestBacklogIsBounded: messages sent faster than their instance takes them
// wait in the host only up to maxBacklog bytes; past it a send fails with
// UNAVAILABLE, as to a full mailbox, instead of growing host memory. Here the
// sender fills its own instance's queue within one turn (cpu_turn at its
// maximum) with 1 MiB messages to a process that never reads.
func TestBacklogIsBounded(t *testing.T) {
	limits := tenants.DefaultLimits()
	limits.CPUTurn = 10_000_000
	rt := New(Config{Shards: 1, Engine: testEngine(t)})
	t.Cleanup(rt.Close)
	ten, err := rt.AddTenant(TenantConfig{Name: "flood", Limits: &limits, Bundle: writeBundle(t, map[string]string{
		"deaf.lua": `return function() channel.new():receive() end`,
		"main.lua": `return function()
			local sink = assert(process.spawn("deaf", "app:processes"))
			local pad = string.rep("x", 1024 * 1024 - 64)
			for i = 1, 100 do
				local ok, err = process.send(sink, "big", pad)
				if not ok then return (i - 1) .. " sent, then " .. err:kind() end
			end
			return "100 sent"
		end`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	e := run(t, ten, "main")
	if e.Abnormal {
		t.Fatalf("sender: %s %s", e.Kind, e.Error)
	}
	if !strings.Contains(string(e.Value), "64 sent, then UNAVAILABLE") {
		t.Fatalf("sender's result %q: want 64 sends of 1 MiB accepted, then UNAVAILABLE", e.Value)
	}
}

// TestDeepPatternIsAnError: the pattern matcher recurses once per character
// of `a*`; in a 64 MiB instance a match over 60,000 characters used to grow
// the guest's Go stack until the instance trapped, ending every process in
// it. Its depth is now bounded by the instance's memory: the match fails
// with an error of its caller, and its sibling lives on.
func TestDeepPatternIsAnError(t *testing.T) {
	ten := tenantWithMemory(t, 1024, map[string]string{ // 64 MiB
		"deep.lua": `return function()
			local ok, err = pcall(string.find, string.rep("a", 60000), "^a*$")
			local shallow = string.find(string.rep("a", 20000), "^a*$")
			return tostring(ok) .. " " .. tostring(err) .. " " .. tostring(shallow)
		end`,
	})
	siblingAlive := spawnSibling(t, ten)
	e := run(t, ten, "deep")
	if e.Abnormal || !strings.Contains(string(e.Value), "false") || !strings.Contains(string(e.Value), "too complex") || !strings.HasSuffix(string(e.Value), " 1") {
		t.Fatalf("deep match: %+v (%q), want pcall false with \"too complex\", then a match over 20,000 characters", e, e.Value)
	}
	siblingAlive()
}

// TestTableBombIsAnError: a table's array part, and its hash part, are
// capped by the guest's soft limit (gopher-lua patches MaxArrayLen and
// MaxHashLen): filling one past the cap is an error pcall catches, not a
// trap of the instance, which they were (each grows by reallocating one
// slice: old and new, and for float keys the freed slices left behind,
// crossed a 64 MiB cap while the heap was under its soft limit). A table of
// 100,000 entries is fine, and the sibling lives on.
func TestTableBombIsAnError(t *testing.T) {
	for part, key := range map[string]string{"array": "i", "hash": "i + 0.5"} {
		t.Run(part, func(t *testing.T) {
			ten := tenantWithMemory(t, 1024, map[string]string{ // 64 MiB
				"bomb.lua": `return function()
					local small, n = {}, 0
					for i = 1, 100000 do small[` + key + `] = i end
					for _ in pairs(small) do n = n + 1 end
					local ok, err = pcall(function()
						local t = {}
						for i = 1, 1e8 do t[` + key + `] = i end
					end)
					return n .. " " .. tostring(ok) .. " " .. tostring(err)
				end`,
			})
			siblingAlive := spawnSibling(t, ten)
			e := run(t, ten, "bomb")
			want := "table too large: its " + part + " part"
			if e.Abnormal || !strings.Contains(string(e.Value), "100000 false") || !strings.Contains(string(e.Value), want) {
				t.Fatalf("%s bomb: %+v (%q), want pcall false with %q", part, e, e.Value, want)
			}
			siblingAlive()
		})
	}
}

// spawnSibling starts sibling.lua, a process of the tenant that waits for
// one message and returns it. The function it returns fails the test unless
// the sibling is still alive: it sends it a message and expects it back.
func spawnSibling(t *testing.T, ten *Tenant) (stillAlive func()) {
	t.Helper()
	sibling, exit, err := ten.Spawn("sibling", DefaultHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := ten.Send(sibling, "still", Args("alive")); err != nil {
			t.Fatal(err)
		}
		if e := wait(t, exit); e.Abnormal || !strings.Contains(string(e.Value), "alive") {
			t.Fatalf("sibling exit: %+v, want a normal exit with its message", e)
		}
	}
}
