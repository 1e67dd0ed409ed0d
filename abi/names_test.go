package abi_test

import (
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

// TestCodes pins every number and name that crosses the boundary: changing one
// breaks every guest built against the old value, so it needs a new Version.
func TestCodes(t *testing.T) {
	nums := []struct {
		name      string
		got, want uint64
	}{
		{"Version", abi.Version, 7},
		{"StepMore", abi.StepMore, 1},
		{"OpTerminate", uint64(abi.OpTerminate), 1},
		{"OpCancel", uint64(abi.OpCancel), 2},
		{"OpMonitor", uint64(abi.OpMonitor), 3},
		{"OpUnmonitor", uint64(abi.OpUnmonitor), 4},
		{"OpLink", uint64(abi.OpLink), 5},
		{"OpUnlink", uint64(abi.OpUnlink), 6},
		{"OpTrapLinks", uint64(abi.OpTrapLinks), 7},
		{"OpRegister", uint64(abi.OpRegister), 1},
		{"OpLookup", uint64(abi.OpLookup), 2},
		{"OpUnregister", uint64(abi.OpUnregister), 3},
		{"OpIdentity", uint64(abi.OpIdentity), 1},
		{"OpCan", uint64(abi.OpCan), 2},
		{"Conflict", uint64(abi.Conflict), 11},
		{"RecordHeader", abi.RecordHeader, 9},
		{"TagError", abi.TagError, 27001},
		{"MaxTopic", abi.MaxTopic, 256},
		{"MaxName", abi.MaxName, 256},
		{"MaxPayload", abi.MaxPayload, 1 << 20},
		{"MaxSource", abi.MaxSource, 4 << 20},
		{"MaxDepth", abi.MaxDepth, 64},
		{"SpawnTreeDepth", abi.SpawnTreeDepth, 8},
	}
	for _, n := range nums {
		if n.got != n.want {
			t.Errorf("%s = %d, want %d", n.name, n.got, n.want)
		}
	}
	names := []struct{ got, want string }{
		{abi.Module, "moonbox"},
		{abi.ImportSpawn, "spawn"},
		{abi.ImportSend, "send"},
		{abi.ImportExit, "exit"},
		{abi.ImportControl, "control"},
		{abi.ImportRegistry, "registry"},
		{abi.ImportSource, "source"},
		{abi.ImportSecurity, "security"},
		{abi.ImportTick, "tick"},
		{abi.ImportLog, "log"},
		{abi.ImportTimer, "timer"},
		{abi.ExportVersion, "moonbox_version"},
		{abi.ExportBuffer, "moonbox_buffer"},
		{abi.ExportStep, "moonbox_step"},
		{abi.ExportMemory, "moonbox_memory"},
		{abi.SpawnID, "id"},
		{abi.SpawnHost, "host"},
		{abi.SpawnArgs, "args"},
		{abi.SpawnMonitor, "monitor"},
		{abi.SpawnLink, "link"},
		{abi.SpawnContext, "context"},
		{abi.SpawnActor, "actor"},
		{abi.SpawnScope, "scope"},
		{abi.SpawnName, "name"},
		{abi.SpawnMessages, "messages"},
		{abi.SpawnCall, "call"},
		{abi.IdentityActor, "actor"},
		{abi.IdentityMeta, "meta"},
		{abi.IdentityScope, "scope"},
	}
	for _, n := range names {
		if n.got != n.want {
			t.Errorf("name %q, want %q", n.got, n.want)
		}
	}
}
