package tenants

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

func TestBundleSources(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("ping.lua", "return function() end")
	write("app/workers/handler.lua", "return function() end")
	write("broken.lua", "return function(")
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.lua"), []byte("return 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.lua"), filepath.Join(dir, "escape.lua")); err != nil {
		t.Fatal(err)
	}
	b, err := OpenBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]abi.Status{
		"ping":                abi.OK,
		"app.workers:handler": abi.OK,
		"missing":             abi.NotFound,
		"broken":              abi.Invalid,
		"escape":              abi.NotFound, // a symlink out of the bundle is not a source
		"../ping":             abi.NotFound,
		"app..workers:x":      abi.NotFound,
		":ping":               abi.NotFound,
		"a/b:c":               abi.NotFound,
	} {
		_, serr := b.Source(id)
		got := abi.OK
		if serr != nil {
			got = serr.Status
		}
		if got != want {
			t.Errorf("Source(%q): %v (%v), want %v", id, got, serr, want)
		}
	}
}
