package policies

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

// TestPermissionsDocumented: docs/PERMISSIONS.md's table has one row per
// action of the code, and no row for an action the code does not have.
func TestPermissionsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/PERMISSIONS.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(process\\.[a-z.]+)` \\|").FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	for _, a := range Actions() {
		if !slices.Contains(documented, a) {
			t.Errorf("docs/PERMISSIONS.md has no row for %s", a)
		}
	}
	for _, a := range documented {
		if actionIndex(a) < 0 {
			t.Errorf("docs/PERMISSIONS.md documents %s, which is no action", a)
		}
	}
	if len(documented) != len(Actions()) {
		t.Errorf("docs/PERMISSIONS.md has %d rows, the code %d actions", len(documented), len(Actions()))
	}
}

func TestTypo(t *testing.T) {
	for _, c := range []struct {
		action, suggestion string
		typo               bool
	}{
		{"process.sned", "process.send", true},
		{"process.spwan", "process.spawn", true},
		{"process.registry.regster", "process.registry.register", true},
		{"process.frobnicate", "", true},
		{"proces.send", "process.send", true}, // as Parse refuses it
		{"process.send", "", false},
		{"invoice.read", "", false}, // the application's own
		{"orders.send", "", false},
	} {
		s, typo := Typo(c.action)
		if s != c.suggestion || typo != c.typo {
			t.Errorf("Typo(%q) = %q, %v; want %q, %v", c.action, s, typo, c.suggestion, c.typo)
		}
	}
}
