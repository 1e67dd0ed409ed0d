package tenants

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The defaults are written out in three places a user reads: the limits
// table and the example of TENANT.md, and Config's doc comment (go doc
// tenants.Config). Each is parsed here as a tenant.yaml by the real parser
// and must give exactly DefaultLimits(): a default changed in the code and
// not in the docs (or the other way round) fails this test.

func TestDocumentedDefaultsAreTheCodes(t *testing.T) {
	md, err := os.ReadFile("TENANT.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("config.go")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"TENANT.md limits table":            limitsFromTable(t, string(md)),
		"TENANT.md example":                 limitsFromExample(t, string(md)),
		"go doc tenants.Config (config.go)": limitsFromDocComment(t, string(src)),
	}
	for where, yamlLimits := range docs {
		cfg, err := ParseConfig("tenant.yaml", []byte("name: docs\nlimits:\n"+yamlLimits), t.TempDir())
		if err != nil {
			t.Errorf("%s: the documented defaults do not parse:\n%s\n%v", where, yamlLimits, err)
			continue
		}
		if got, want := cfg.Limits, DefaultLimits(); got != want {
			t.Errorf("%s documents limits\n%+v\nDefaultLimits() is\n%+v", where, got, want)
		}
		if n := strings.Count(yamlLimits, "\n"); n != len(limitSpecs) {
			t.Errorf("%s documents %d limits, the code has %d", where, n, len(limitSpecs))
		}
	}
}

var tableRowRE = regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| [^|]+ \\| ([^|]+) \\| [^|]+ \\|$")

// limitsFromTable reads the default column of TENANT.md's limits table.
func limitsFromTable(t *testing.T, md string) string {
	_, section, ok := strings.Cut(md, "## Limits")
	if !ok {
		t.Fatal("TENANT.md has no ## Limits section")
	}
	var b strings.Builder
	for _, m := range tableRowRE.FindAllStringSubmatch(section, -1) {
		def := strings.TrimSpace(m[2])
		def = strings.TrimSuffix(def, " of `memory`") // memory_soft: "75% of `memory`"
		b.WriteString("  " + m[1] + ": " + def + "\n")
	}
	return b.String()
}

// limitsFromExample reads the limits: block of TENANT.md's yaml example.
func limitsFromExample(t *testing.T, md string) string {
	_, rest, ok := strings.Cut(md, "```yaml\n")
	if !ok {
		t.Fatal("TENANT.md has no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	return indentedBlockAfter(t, example, "limits:", "")
}

// limitsFromDocComment reads the limits: block of Config's doc comment.
func limitsFromDocComment(t *testing.T, src string) string {
	_, rest, ok := strings.Cut(src, "// Config is a tenant's config")
	if !ok {
		t.Fatal("config.go: no doc comment for Config")
	}
	return indentedBlockAfter(t, rest, "limits:", "//\t")
}

// indentedBlockAfter returns the lines indented under the line starting with
// key (after prefix), comments dropped, prefix removed.
func indentedBlockAfter(t *testing.T, text, key, prefix string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, prefix) {
			if in {
				break
			}
			continue
		}
		line = strings.TrimPrefix(line, prefix)
		if strings.HasPrefix(line, key) {
			in = true
			continue
		}
		if !in {
			continue
		}
		if !strings.HasPrefix(line, "  ") {
			break
		}
		line, _, _ = strings.Cut(line, "#")
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	if b.Len() == 0 {
		t.Fatalf("no indented block under %q", key)
	}
	return b.String()
}
