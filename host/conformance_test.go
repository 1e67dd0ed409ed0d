package host

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/policies"
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

// directives reads a case's comment lines `-- output: LINE` (the exact print
// lines expected, in order), `-- modes: sandbox` (the modes the case
// applies to; default both: memory-limit cases mean nothing natively, where
// a tenant shares the host's heap and has no memory limit) and
// `-- policy: FILE` (the case runs under that policy file of the bundle;
// default none, everything allowed).
func directives(t testing.TB, dir, id string) (output []string, modes, policy string) {
	src, err := os.ReadFile(filepath.Join(dir, "cases", strings.TrimPrefix(id, "cases:")+".lua"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if rest, found := strings.CutPrefix(line, "-- output:"); found {
			output = append(output, strings.TrimPrefix(rest, " "))
		}
		if rest, found := strings.CutPrefix(line, "-- modes:"); found {
			modes = strings.TrimSpace(rest)
		}
		if rest, found := strings.CutPrefix(line, "-- policy:"); found {
			policy = strings.TrimSpace(rest)
		}
	}
	return output, modes, policy
}

// appliesTo reports whether a case's modes directive includes mode.
func appliesTo(modes, mode string) bool {
	if modes == "" {
		return true
	}
	for _, m := range strings.Split(modes, ",") {
		if strings.TrimSpace(m) == mode {
			return true
		}
	}
	return false
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
				want, caseModes, policyFile := directives(t, conformanceDir, id)
				if !appliesTo(caseModes, m.name) {
					continue
				}
				t.Run(strings.TrimPrefix(id, "cases:"), func(t *testing.T) {
					// A runtime per case: a case that breaks the runtime cannot hide behind another.
					_, ten, logs := newTestRuntime(t, m.native, 2, bundle)
					if policyFile != "" {
						p, err := policies.Load(filepath.Join(conformanceDir, policyFile))
						if err != nil {
							t.Fatal(err)
						}
						ten.SetPolicy(p)
					}
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
					if want != nil {
						if got := logs.String(); got != strings.Join(want, "\n") {
							t.Fatalf("output:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
						}
					}
				})
			}
		})
	}
}
