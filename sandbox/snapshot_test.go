package sandbox

import "testing"

// startProcess starts one process running src in the instance and runs it
// until it blocks or exits.
func startProcess(t *testing.T, in *Instance, src string) {
	t.Helper()
	if _, err := in.Step(startRecord(1, "test", src), 1e6); err != nil {
		t.Fatal(err)
	}
}

// printed runs src in a new instance of e and returns what it printed last.
func printed(t *testing.T, e *Engine, src string) string {
	t.Helper()
	h := &recordingHost{}
	in, err := e.NewInstance(h, InstanceConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	startProcess(t, in, src)
	if len(h.last) != 1 {
		t.Fatalf("printed %q, want one line", h.last)
	}
	return h.last[0]
}

func TestInstancesStartFromASnapshot(t *testing.T) {
	if sharedEngine(t).snapshot == nil {
		t.Fatal("the engine initialises every instance: no snapshot was taken")
	}
}

// TestSnapshotCopiesAreTheirOwn: instances started from one snapshot share
// its random state; moonbox_init's seed must make math.random differ, and
// math.randomseed must still make it repeatable.
func TestSnapshotCopiesAreTheirOwn(t *testing.T) {
	const draw = `return function() local t = {} for i = 1, 4 do t[i] = math.random(1e9) end print(table.concat(t, " ")) end`
	const seeded = `return function() math.randomseed(42) print(math.random(1e9), math.random(1e9)) end`
	e := sharedEngine(t)
	a, b := printed(t, e, draw), printed(t, e, draw)
	if a == b {
		t.Fatalf("two instances drew the same numbers: %s", a)
	}
	if a, b := printed(t, e, seeded), printed(t, e, seeded); a != b {
		t.Fatalf("math.randomseed(42) gave %s, then %s", a, b)
	}
}

// TestSnapshotMatchesInitialisation: a script sees the same runtime whether
// its instance was started from the snapshot or initialised.
func TestSnapshotMatchesInitialisation(t *testing.T) {
	plain, err := NewEngine(EngineConfig{NoSnapshot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if plain.snapshot != nil {
		t.Fatal("NoSnapshot took a snapshot")
	}
	const src = `return function()
		local names = {}
		for k in pairs(_G) do names[#names + 1] = tostring(k) end
		for k in pairs(process) do names[#names + 1] = "process." .. tostring(k) end
		table.sort(names)
		print(table.concat(names, " "), string.rep("x", 3), collectgarbage and "gc" or "-")
	end`
	if a, b := printed(t, sharedEngine(t), src), printed(t, plain, src); a != b {
		t.Fatalf("from the snapshot:\n%s\ninitialised:\n%s", a, b)
	}
}

// TestSmallEngineInitialises: an engine whose memory cap is below the
// snapshot's memory still works, initialising each instance.
func TestSmallEngineInitialises(t *testing.T) {
	e, err := NewEngine(EngineConfig{MemoryLimitPages: snapshotPages - 1})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if e.snapshot != nil {
		t.Fatal("a snapshot was taken for an engine capped below it")
	}
	if got := printed(t, e, `return function() print("small") end`); got != "small" {
		t.Fatalf("printed %q", got)
	}
}
