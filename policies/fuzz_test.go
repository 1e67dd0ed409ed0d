package policies

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; a rejected file gets a *ParseError whose
// problems have lines inside the file; an accepted policy answers requests
// made of its own words without a Casbin error, and a cached Guard answers as
// Decide does, also for PIDs the cache keys alike.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/policy.csv")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		", x, process.send, *, allow\n",
		"\uFEFFp, a, process.send, *, allow\r\n",
		"p, a, process.send, [x, allow\n",
		"p, a, process.*, {app:processes|*}, deny\np, *, *, **, allow\n",
		"p, \"a,b\", process.send, \"{x,y}\", allow\ng, a*, \"r,s\"\n",
		"p, a, process.send, [!{], allow\np, b, process.send, [^a-], allow\n",
		"p, a, process.send, \\{*, allow\np, a, process.send, *\\}, deny\n",
		"p, a, process.send, ?app*, allow\ng, a, b\ng, b, a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.csv", data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("Parse error %v is not a *ParseError with problems", err)
			}
			lines := strings.Count(string(data), "\n") + 1
			for _, pr := range pe.Problems {
				if pr.Line < 0 || pr.Line > lines || pr.Msg == "" {
					t.Fatalf("problem %+v outside the file's %d lines", pr, lines)
				}
			}
			return
		}
		words := []string{"", "x", "app.a:main", "{app:processes|0x00001.t1.n0}", ResourceContext, ResourceSecurity}
		for _, w := range strings.FieldsFunc(string(data), func(r rune) bool { return r == ',' || r == '\n' || r == '"' }) {
			if w = strings.TrimSpace(w); w != "" && len(words) < 24 {
				words = append(words, w)
			}
		}
		g := NewGuard(p, 64)
		for i, sub := range words {
			for j := i; j < i+4; j++ { // four actions per subject, every action over the words
				act := actions[(i*5+j)%len(actions)]
				res := words[(i+j)%len(words)]
				for k, r := range []Request{
					{Subject: sub, Action: act, Resources: []string{res}},
					{Subject: sub, Action: act, Resources: []string{"{app:processes|0x00002.t1.n0}", res}},
					{Subject: sub, Action: act, Resources: []string{"{app:batch|0x00003.t1.n0}", res}},
					{Subject: sub, Scope: []string{words[j%len(words)], res}, Action: act, Resources: []string{res, sub}},
				} {
					v := p.decide(r)
					if v.failed {
						t.Fatalf("Casbin failed on %+v", r)
					}
					want := p.decision(r, v)
					if got := g.Check(r) == nil; got != want.Allowed {
						t.Fatalf("request %d %+v: Check allows %v, Decide %s", k, r, got, want)
					}
				}
			}
		}
	})
}
