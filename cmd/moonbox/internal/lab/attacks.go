package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// The attacks of a stress run: bundles with a tenant.yaml in a directory
// (examples/hostile by default), each run once per argument its main.lua
// lists, and the control row.

// attackOrder is the order the known attacks run and print in; bundles not
// listed follow in name order.
var attackOrder = []string{
	"infinite-loop", "pcall-loop", "recursion-bomb", "table-bomb", "string-bomb", "pattern-bomb",
	"spawn-bomb", "mailbox-flood", "amplification", "link-cascade", "huge-payloads", "abi-misuse",
	"timer-flood", "expensive-builtins",
}

// Control is the row of a well-behaved second tenant (an embedded bundle,
// not an attack): the baseline the attack rows are read against.
const Control = "control"

// FindAttackers returns the attacker bundles' directory: dir, or
// examples/hostile in the current directory or its nearest parent that has
// one.
func FindAttackers(dir string) (string, error) {
	if dir != "" {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", fmt.Errorf("bundles directory %s: not a directory", dir)
		}
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		cand := filepath.Join(d, "examples", "hostile")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no examples/hostile in %s or its parents: pass --bundles DIR", wd)
		}
	}
}

// SelectAttacks lists the attacks to run from the bundles in dir: the named
// ones ("name", or "name:arg" for one variant), or all of them after
// Control, in attackOrder.
func SelectAttacks(dir string, names []string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var all []string
	variants := map[string][]string{}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "tenant.yaml")); err == nil {
			all = append(all, e.Name())
			variants[e.Name()] = Variants(filepath.Join(dir, e.Name(), "main.lua"))
		}
	}
	rank := func(n string) int {
		if i := slices.Index(attackOrder, n); i >= 0 {
			return i
		}
		return len(attackOrder)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if ri, rj := rank(all[i]), rank(all[j]); ri != rj {
			return ri < rj
		}
		return all[i] < all[j]
	})
	if len(all) == 0 {
		return nil, fmt.Errorf("no attacker bundles (directories with a tenant.yaml) in %s", dir)
	}
	if len(names) == 0 {
		names = append([]string{Control}, all...)
	}
	var out []string
	add := func(spec string) {
		if !slices.Contains(out, spec) {
			out = append(out, spec)
		}
	}
	for _, n := range names {
		name, arg, hasArg := strings.Cut(n, ":")
		if name == Control && !hasArg {
			add(name)
			continue
		}
		if !slices.Contains(all, name) {
			return nil, fmt.Errorf("unknown attack %q (bundles in %s: %s)", name, dir, strings.Join(all, ", "))
		}
		switch {
		case hasArg:
			add(name + ":" + arg)
		case len(variants[name]) == 0:
			add(name)
		default:
			for _, v := range variants[name] {
				add(name + ":" + v)
			}
		}
	}
	bundle := func(spec string) int { name, _, _ := strings.Cut(spec, ":"); return slices.Index(all, name) } // control: -1, first
	sort.SliceStable(out, func(i, j int) bool { return bundle(out[i]) < bundle(out[j]) })
	return out, nil
}

// Variants reads the "-- stress: ARG..." line of an attacker's main.lua:
// the arguments main runs with in a stress run, one row each (none: one
// row, without arguments).
func Variants(file string) []string {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- stress:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}
