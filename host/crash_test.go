package host

import (
	"testing"

	"github.com/moonbox-runtime/moonbox/sandbox"
)

// TestSandboxCrashIsContained: a process that traps its instance (string
// doubling with `..`, which no builtin cap sees and which outruns the
// per-tick memory check) takes down exactly that instance: every process in
// it exits abnormally with "sandbox crashed" (through the same exit path
// that notifies monitors and links), and the tenant's next spawn gets a
// fresh instance.
func TestSandboxCrashIsContained(t *testing.T) {
	e, err := sandbox.NewEngine(sandbox.EngineConfig{MemoryLimitPages: 1024}) // 64 MiB
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	rt := New(Config{Shards: 1, Engine: e})
	defer rt.Close()
	ten, err := rt.AddTenant(TenantConfig{Name: "crashy", Bundle: writeBundle(t, map[string]string{
		"victim.lua": `return function() process.inbox():receive() end`,
		// Each .. is one instruction allocating twice the last: past the
		// 64 MiB cap before any tick can look at the heap.
		"bomb.lua": `return function()
			local s = string.rep("x", 16 * 1024 * 1024)
			while true do s = s .. s end
		end`,
		"ok.lua": `return function() return "fresh" end`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	_, victimExit, err := ten.Spawn("victim", DefaultHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, bombExit, err := ten.Spawn("bomb", DefaultHost, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, exit := range map[string]<-chan Exit{"bomb": bombExit, "victim": victimExit} {
		e := wait(t, exit)
		if !e.Abnormal || e.Error != "sandbox crashed: out of memory" || e.Kind != "INTERNAL" {
			t.Errorf("%s exit: %+v, want abnormal INTERNAL \"sandbox crashed: out of memory\"", name, e)
		}
	}
	_, exit, err := ten.Spawn("ok", DefaultHost, nil)
	if err != nil {
		t.Fatalf("spawn after a crash: %v", err)
	}
	if e := wait(t, exit); e.Abnormal {
		t.Fatalf("a fresh instance after the crash: %+v", e)
	}
}
