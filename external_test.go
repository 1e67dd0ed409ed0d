package moonbox_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestExternalModule builds and runs a throwaway module that imports the
// public API as an application would: its go.mod has no replace but the one
// pointing at this checkout (standing in for `go get`), so it builds with
// moonbox's own go.mod as an importer sees it. A replace directive in
// moonbox's go.mod (the way the patched gopher-lua used to come in) would
// not apply there, and this test would fail to build.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module: not in -short")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mod), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "replace") {
			t.Fatalf("go.mod has a replace directive, which importers do not get: %s", line)
		}
	}
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/pluginhost\n\ngo 1.26.8\n\nrequire github.com/moonbox-runtime/moonbox v0.0.0\n\nreplace github.com/moonbox-runtime/moonbox => "+root+"\n")
	write("main.go", `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/moonbox-runtime/moonbox"
)

func main() {
	ctx := context.Background()
	rt, err := moonbox.New(moonbox.Config{})
	if err != nil {
		panic(err)
	}
	defer rt.Close(ctx)
	t, err := rt.Deploy(ctx, os.Args[1])
	if err != nil {
		panic(err)
	}
	t.Handle("kv", func(ctx context.Context, req *moonbox.Request) (any, error) { return 41, nil })
	v, err := t.Exec(ctx, "plugin", "from outside")
	fmt.Println(v, err)
}
`)
	write("plugin/tenant.yaml", "name: plugin\npolicy: policy.csv\n")
	write("plugin/policy.csv", "p, plugin, process.call, kv, allow\np, plugin, process.host, app:processes, allow\n")
	write("plugin/plugin.lua", `return function(s) return s .. " " .. (process.call("kv", "app:processes") + 1) end`)
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return string(out)
	}
	run("mod", "tidy")
	out := run("run", ".", filepath.Join(dir, "plugin"))
	if strings.TrimSpace(out) != `"from outside 42" <nil>` {
		t.Fatalf("the external module printed %q", out)
	}
}
