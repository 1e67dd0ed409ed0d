package host

import (
	"testing"

	"github.com/moonbox-runtime/moonbox/sandbox"
)

// TestSandboxCrashIsContained: a process that traps its instance (one
// builtin call allocating past the linear memory cap, which no instruction
// budget can interrupt) takes down exactly that instance: every process in
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
		"bomb.lua":   `return function() return #string.rep("x", 256 * 1024 * 1024) end`,
		"ok.lua":     `return function() return "fresh" end`,
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
