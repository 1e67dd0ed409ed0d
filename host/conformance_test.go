package host

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// conformanceDir is the Lua conformance suite: testdata/conformance is one
// bundle; every cases/NAME.lua is a case (process cases:NAME), lib/ holds the
// helper processes the cases spawn. A case passes when it exits normally
// with the value true and, if it has `-- output:` comment lines, printed
// exactly those lines in order. A case asserts everything else itself, so
// one failing case is one failing line: its name and its error.
const conformanceDir = "testdata/conformance"

// ConformanceCases lists the case IDs of the suite in dir.
func conformanceCases(t testing.TB, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "cases", "*.lua"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no conformance cases in %s: %v", dir, err)
	}
	var ids []string
	for _, f := range files {
		ids = append(ids, "cases:"+strings.TrimSuffix(filepath.Base(f), ".lua"))
	}
	sort.Strings(ids)
	return ids
}

// expectedOutput reads a case's `-- output: LINE` comments.
func expectedOutput(t testing.TB, dir, id string) []string {
	src, err := os.ReadFile(filepath.Join(dir, "cases", strings.TrimPrefix(id, "cases:")+".lua"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		if rest, found := strings.CutPrefix(strings.TrimSpace(line), "-- output:"); found {
			out = append(out, strings.TrimPrefix(rest, " "))
		}
	}
	return out
}

func TestConformance(t *testing.T) {
	bundle, err := tenants.OpenBundle(conformanceDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			for _, id := range conformanceCases(t, conformanceDir) {
				t.Run(strings.TrimPrefix(id, "cases:"), func(t *testing.T) {
					// A runtime per case: a case that breaks the runtime cannot hide behind another.
					_, ten, logs := newTestRuntime(t, m.native, 2, bundle)
					_, exit, err := ten.Spawn(id, DefaultHost, nil)
					if err != nil {
						t.Fatalf("spawn: %v", err)
					}
					e := wait(t, exit)
					if e.Abnormal {
						t.Fatalf("exited abnormally: %s: %s\noutput:\n%s", e.Kind, e.Error, logs)
					}
					if v, err := exitValueJSON(e.Value); err != nil || v != "true" {
						t.Fatalf("exit value %s (%v), want true\noutput:\n%s", v, err, logs)
					}
					if want := expectedOutput(t, conformanceDir, id); want != nil {
						if got := logs.String(); got != strings.Join(want, "\n") {
							t.Fatalf("output:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
						}
					}
				})
			}
		})
	}
}
