package main

import (
	"context"
	"strings"
	"testing"
)

// TestExample runs the plugin host as `go run ./examples/plugin-host` does
// and checks what it prints, line by line.
func TestExample(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), &out, "plugins"); err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out.String())
	}
	want := []string{
		`acme: hello, ann (count 1); audit got greeted ["ann",1]`,
		`acme: hello, bob (count 1); audit got greeted ["bob",1]`,
		`acme: hello, ann (count 2); audit got greeted ["ann",2]`,
		`evil steal: PERMISSION_DENIED: permission denied: process.call on kv for steal`,
		`evil crash: UNKNOWN: crash:2: plugin bug: index out of range`,
		`evil bomb: UNAVAILABLE: memory limit exceeded`,
		`acme after evil's trouble: {"count":1,"greeting":"hello, cy"}`,
		`evil undeployed; tenants left: 1, processes left: 2`,
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(got), len(want), out.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d:\ngot  %s\nwant %s", i+1, got[i], want[i])
		}
	}
}
