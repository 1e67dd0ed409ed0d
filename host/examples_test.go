package host

import (
	"path/filepath"
	"testing"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestExamples runs every example bundle's main process, sandboxed and
// native, and expects a normal exit: the examples are documentation that
// must keep working.
func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob("../examples/*/main.lua")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, m := range modes {
		for _, main := range dirs {
			dir := filepath.Dir(main)
			t.Run(m.name+"/"+filepath.Base(dir), func(t *testing.T) {
				bundle, err := tenants.OpenBundle(dir)
				if err != nil {
					t.Fatal(err)
				}
				_, ten, logs := newTestRuntime(t, m.native, 2, bundle)
				_, exit, err := ten.Spawn("main", DefaultHost, nil)
				if err != nil {
					t.Fatal(err)
				}
				if e := wait(t, exit); e.Abnormal {
					t.Fatalf("%s: %s\noutput:\n%s", e.Kind, e.Error, logs)
				}
			})
		}
	}
}
