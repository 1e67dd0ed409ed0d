package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// conformanceBundle is the host's Lua conformance suite (one bundle: every
// cases/NAME.lua is the process cases:NAME, lib/ holds its helpers). The
// suite grows while this test exists, so it runs whatever cases are there.
const conformanceBundle = "../../host/testdata/conformance"

// TestConformanceCLI runs every conformance case through `moonbox run`, in
// the sandbox and --native: each must exit 0 with `true` as its last stdout
// line and, if the case has `-- output: LINE` comments, print exactly those
// lines before it.
func TestConformanceCLI(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(conformanceBundle, "cases", "*.lua"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no conformance cases in %s/cases", conformanceBundle)
	}
	sort.Strings(files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, modes, policy := expectedLines(t, file)
			for _, mode := range []struct {
				name  string
				flags []string
			}{{"sandbox", nil}, {"native", []string{"--native"}}} {
				if modes != "" && !strings.Contains(modes, mode.name) {
					continue // `-- modes:` limits the case to some modes
				}
				args := append(append([]string{"run"}, mode.flags...), "--shards", "2")
				if policy != "" { // `-- policy: FILE` runs the case under that policy
					args = append(args, "--policy", filepath.Join(conformanceBundle, policy))
				}
				args = append(args, conformanceBundle, "cases:"+name)
				r := runInProcess(t, args)
				if r.code != exitOK || lastLine(r.stdout) != "true" {
					t.Errorf("%s: moonbox %q: exit %d, want 0 with last line true\nstdout:\n%s\nstderr:\n%s",
						mode.name, args, r.code, r.stdout, r.stderr)
					continue
				}
				if want != nil {
					if got := strings.TrimSuffix(r.stdout, "\n"); got != strings.Join(append(want, "true"), "\n") {
						t.Errorf("%s: moonbox %q: stdout:\n%s\nwant:\n%s\ntrue",
							mode.name, args, got, strings.Join(want, "\n"))
					}
				}
			}
		})
	}
}

// expectedLines reads a case's `-- output: LINE` comments (nil if none), its
// `-- modes:` directive ("" for all modes) and its `-- policy:` directive (a
// policy file in the bundle, "" for none).
func expectedLines(t *testing.T, file string) (out []string, modes, policy string) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if rest, found := strings.CutPrefix(line, "-- output:"); found {
			out = append(out, strings.TrimPrefix(rest, " "))
		}
		if rest, found := strings.CutPrefix(line, "-- modes:"); found {
			modes = strings.TrimSpace(rest)
		}
		if rest, found := strings.CutPrefix(line, "-- policy:"); found {
			policy = strings.TrimSpace(rest)
		}
	}
	return out, modes, policy
}
