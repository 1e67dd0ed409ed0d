package lua

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTemplatesGenerateSources checks that state.go and vm.go are what
// upstream's generator makes of the templates _state.go and _vm.go: every
// moonbox patch to those two files must be made in the template too, or the
// next regeneration would silently drop it (MOONBOX.md).
func TestTemplatesGenerateSources(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the generator _tools/go-inline is a Python script")
	}
	dir := t.TempDir()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, "_tools/go-inline") {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The generator treats its own argv[0] as an input; upstream runs it as
	// ./_tools/go-inline, which it then leaves alone.
	cmd := exec.Command(python, append([]string{"./_tools/go-inline"}, files...)...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go-inline: %v\n%s", err, out)
	}
	for _, f := range []string{"state.go", "vm.go"} {
		generated, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if generated, err = format.Source(generated); err != nil {
			t.Fatalf("%s as generated does not parse: %v", f, err)
		}
		committed, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(generated, committed) {
			t.Errorf("%s differs from what _tools/go-inline makes of _%s: make the patch in the template too", f, f)
		}
	}
}
