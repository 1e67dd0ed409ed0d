package policies

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	good := "p, app.a:*, process.send, *, allow\n"
	tests := []struct {
		name string
		data string
		line int    // of the (first) problem
		want string // in its message
	}{
		{"comma-leading line", good + ", x, process.send, *, allow\n", 2, "starts with a comma"},
		{"comma-leading line after a BOM", "\uFEFF, x, process.send, *, allow\n", 1, "starts with a comma"},
		{"p with 4 fields", good + "p, a, process.send, *\n", 2, "5 fields"},
		{"p with 6 fields", good + "p, a, process.send, {a,b}, allow\n", 2, `double quotes: "a,b"`},
		{"g with 2 fields", good + "g, a\n", 2, "3 fields"},
		{"unknown line type", good + "r, a, process.send, *, allow\n", 2, `unknown line type "r"`},
		{"action and resource swapped", good + "p, app:main, app:processes, process.host, allow\n", 2, "look swapped"},
		{"unknown action", good + "p, a, process.sned, *, allow\n", 2, `unknown action "process.sned"`},
		{"action pattern matching nothing", good + "p, a, process.x*, *, allow\n", 2, `ACTION "process.x*" matches no action`},
		{"typo of a runtime action", good + "p, a, proces.send, *, allow\n", 2, `unknown action "proces.send"; did you mean process.send?`},
		{"runtime action in another case", good + "p, a, Process.Send, *, allow\n", 2, `did you mean process.send?`},
		{"runtime action without its dot", good + "p, a, processsend, *, allow\n", 2, `did you mean process.send?`},
		{"Wippy's process.exec", good + "p, a, process.exec, *, allow\n", 2, `process.exec is an alias of process.call, whose permission is process.call`},
		{"the runtime's namespace itself", good + "p, a, process, *, allow\n", 2, `unknown action "process"`},
		{"bad effect", good + "p, a, process.send, *, permit\n", 2, `EFFECT is "permit"`},
		{"effect is case-sensitive", good + "p, a, process.send, *, Allow\n", 2, `EFFECT is "Allow"`},
		{"bad glob: unclosed [", good + "p, a, process.send, [abc, allow\n", 2, `bad pattern "[abc"`},
		{"bad glob: empty class", good + "p, a[], process.send, *, allow\n", 2, `bad pattern "a[]"`},
		{"bad glob: lone backslash", good + `p, a\, process.send, *, allow` + "\n", 2, "lone \\"},
		{"bad glob in an action", good + "p, a, process.[, *, allow\n", 2, `bad pattern "process.["`},
		{"empty field", good + "p, , process.send, *, allow\n", 2, "SUBJECT is empty"},
		{"role is a pattern", good + "g, a, admin*\n", 2, `ROLE "admin*" must be a plain name`},
		{"bad quotes", good + `p, "a, process.send, *, allow` + "\n", 2, "cannot split the line"},
		{"control character", good + "p, a\x00b, process.send, *, allow\n", 2, "control character"},
		{"BOM inside a line", good + "p, a\uFEFF, process.send, *, allow\n", 2, "control character"},
		{"invalid UTF-8", good + "p, a\xff, process.send, *, allow\n", 2, "not valid UTF-8"},
		{"CRLF line numbers", "\uFEFF# comment\r\n" + strings.ReplaceAll(good, "\n", "\r\n") + "\r\np, a, process.bogus, *, allow\r\n", 4, `unknown action "process.bogus"`},
		{"empty file", "", 0, "no rules; to deny everything say so"},
		{"BOM only", "\uFEFF", 0, "no rules"},
		{"comments only", "# nothing\n\n   \n", 0, "no rules"},
		{"roles only", "g, a, b\n", 0, "no rules"},
		{"too large", strings.Repeat("#", MaxFileSize+1), 0, "at most"},
		{"too many lines", manyLines(MaxLines + 1), 0, "at most 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse("policy.csv", []byte(tt.data))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse = %v, %v; want a *ParseError", p, err)
			}
			if p != nil {
				t.Errorf("Parse returned a policy with its error")
			}
			if len(pe.Problems) == 0 || pe.Problems[0].Line != tt.line || !strings.Contains(pe.Problems[0].Msg, tt.want) {
				t.Fatalf("problems %+v; want line %d with %q", pe.Problems, tt.line, tt.want)
			}
			prefix := "policy.csv: "
			if tt.line > 0 {
				prefix = "policy.csv:" + strconv.Itoa(tt.line) + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q; want it to start with %q", err, prefix)
			}
		})
	}
}

// TestParseAllProblems: every problem of a file is reported, in line order,
// each with its line.
func TestParseAllProblems(t *testing.T) {
	data := "p, a, process.send, *, allow\n" +
		", a, process.send, *, allow\n" +
		"p, a, process.sned, [x, maybe\n" +
		"g, a\n" +
		"p, a, process.send, *, allow\n"
	_, err := Parse("t.csv", []byte(data))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("Parse = %v", err)
	}
	var lines []int
	for _, p := range pe.Problems {
		lines = append(lines, p.Line)
	}
	if got, want := len(lines), 5; got != want {
		t.Fatalf("problems %v, want %d:\n%v", lines, want, err)
	}
	for i, want := range []int{2, 3, 3, 3, 4} {
		if lines[i] != want {
			t.Errorf("problem %d on line %d, want %d:\n%v", i, lines[i], want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 5 {
		t.Errorf("Error() has %d lines, want 5:\n%v", n, err)
	}
}

func TestParseErrorTruncates(t *testing.T) {
	data := "p, a, process.send, *, allow\n" + strings.Repeat("p, a, process.bogus, *, allow\n", 50)
	_, err := Parse("t.csv", []byte(data))
	var pe *ParseError
	if !errors.As(err, &pe) || len(pe.Problems) != 50 {
		t.Fatalf("Parse = %v", err)
	}
	if !strings.HasSuffix(err.Error(), "and 30 more problems") {
		t.Errorf("Error() ends %q", err.Error()[len(err.Error())-40:])
	}
}

func TestParseAccepts(t *testing.T) {
	for _, data := range []string{
		"p, a, process.send, *, allow",                                 // no final newline
		"\uFEFFp, a, process.send, *, allow\r\n",                       // BOM, CRLF
		"  # indented comment\n\tp ,  a ,process.send,*,  deny  \n",    // spaces around fields
		"p, \"a, b\", process.send, \"{app:processes|0x1}\", allow\n",  // quoted fields
		"p, *, *, **, deny\n",                                          // the explicit deny-all
		"p, a, process.spawn*, *, allow\ng, b, a\ng, b, a\n",           // a repeated role line
		"p, a, process.send, *, allow\np, a, process.send, *, allow\n", // a repeated rule
	} {
		if _, err := Parse("ok.csv", []byte(data)); err != nil {
			t.Errorf("Parse(%q): %v", data, err)
		}
	}
}

// TestParseRepeatedRuleExplainsFirst: a repeated rule is kept once, and the
// first line explains the decision.
func TestParseRepeatedRuleExplainsFirst(t *testing.T) {
	p, err := Parse("p.csv", []byte("p, a, process.send, *, allow\np, a, process.send, *, allow\n"))
	if err != nil {
		t.Fatal(err)
	}
	d := p.Decide(Request{Subject: "a", Action: ActionSend, Resources: []string{"x"}})
	if !d.Allowed || d.Line != 1 {
		t.Errorf("Decide = %+v, want allowed by line 1", d)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.csv")
	if _, err := Load(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load of a missing file: %v", err)
	}
	if err := os.WriteFile(path, []byte("p, a, process.bogus, *, allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), path+":1: unknown action") {
		t.Fatalf("Load of a bad file: %v", err)
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("#", MaxFileSize)+"\np, a, process.send, *, allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "at most") {
		t.Fatalf("Load of a large file: %v", err)
	}
}

func manyLines(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&b, "p, a%d, process.send, *, allow\n", i)
		} else {
			fmt.Fprintf(&b, "g, a%d, r\n", i)
		}
	}
	return b.String()
}
