package policies

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCases runs every case of testdata/ (see testdata/README.md): each
// request is answered by Policy.Decide, by a cached Guard shared by the case
// and by an uncached Guard, and all must match the expectation.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/requests.txt")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, reqs := range dirs {
		dir := filepath.Dir(reqs)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			p, err := Load(filepath.Join(dir, "policy.csv"))
			if errors.Is(err, os.ErrNotExist) {
				p, err = AllowAll(), nil
			}
			if err != nil {
				t.Fatal(err)
			}
			cached, uncached := NewGuard(p, DefaultCacheSize), NewGuard(p, 0)
			f, err := os.Open(reqs)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sc := bufio.NewScanner(f)
			for n := 1; sc.Scan(); n++ {
				line := strings.TrimSpace(sc.Text())
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				where := reqs + ":" + strconv.Itoa(n)
				c, err := parseCase(line)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				d := p.Decide(c.req)
				if d.Allowed != c.allow || (c.line >= 0 && d.Line != c.line) {
					t.Errorf("%s: %s\n\tgot  %s\n\twant allow=%v line=%d", where, line, d, c.allow, c.line)
					continue
				}
				for i, g := range []*Guard{cached, cached, uncached} {
					err := g.Check(c.req)
					if (err == nil) != c.allow {
						t.Errorf("%s: %s: guard %d: Check = %v, Decide = %s", where, line, i, err, d)
					}
					if err != nil && !errors.Is(err, ErrDenied) {
						t.Errorf("%s: Check returned %T %v, want a *Denied", where, err, err)
					}
				}
			}
			if err := sc.Err(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type testCase struct {
	req   Request
	allow bool
	line  int // -1: not asserted
}

// parseCase reads "SUBJECT ACTION RESOURCE[|ALT...] [scope=ROLE,...] -> allow|deny [line=N]".
func parseCase(s string) (testCase, error) {
	c := testCase{line: -1}
	lhs, rhs, ok := strings.Cut(s, "->")
	if !ok {
		return c, errors.New("no ->")
	}
	f := strings.Fields(lhs)
	if len(f) < 3 || len(f) > 4 {
		return c, errors.New("want SUBJECT ACTION RESOURCE [scope=ROLES]")
	}
	c.req = Request{Subject: f[0], Action: f[1], Resources: splitAlternatives(f[2]), Caller: "{app:processes|0x00000.t1.n0}"}
	if len(f) == 4 {
		roles, ok := strings.CutPrefix(f[3], "scope=")
		if !ok {
			return c, errors.New("the 4th field must be scope=ROLE,...")
		}
		c.req.Scope = strings.Split(roles, ",")
	}
	r := strings.Fields(rhs)
	if len(r) < 1 || len(r) > 2 || (r[0] != "allow" && r[0] != "deny") {
		return c, errors.New("want -> allow|deny [line=N]")
	}
	c.allow = r[0] == "allow"
	if len(r) == 2 {
		n, ok := strings.CutPrefix(r[1], "line=")
		var err error
		if c.line, err = strconv.Atoi(n); !ok || err != nil {
			return c, errors.New("want line=N")
		}
	}
	return c, nil
}

// splitAlternatives splits on | outside braces: a PID keeps its |.
func splitAlternatives(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
