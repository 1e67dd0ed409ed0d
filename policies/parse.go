package policies

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxFileSize is the largest policy file Parse accepts.
const MaxFileSize = 1 << 20

// MaxLines is the most rules and role lines a policy may have. An uncached
// check costs Casbin about a microsecond per rule of its action, and role
// lines are followed at every check; the bound keeps a tenant's policy from
// costing the host more than milliseconds.
const MaxLines = 4096

// A Problem is one thing wrong with a policy file.
type Problem struct {
	Line int    // 1-based; 0 for a problem of the whole file
	Msg  string // what is wrong, and what to write instead
}

// A ParseError lists every problem of a policy file, in line order.
type ParseError struct {
	Name     string // the file's name, as given to Parse
	Problems []Problem
}

// maxShown is how many problems ParseError.Error spells out.
const maxShown = 20

// Error returns one line per problem, "NAME:LINE: MSG" ("NAME: MSG" for a
// problem of the whole file), at most 20 of them.
func (e *ParseError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&b, "\n%s: and %d more problems", e.Name, len(e.Problems)-maxShown)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, "%s:%d: %s", e.Name, p.Line, p.Msg)
		} else {
			fmt.Fprintf(&b, "%s: %s", e.Name, p.Msg)
		}
	}
	return b.String()
}

// rule is a p line.
type rule struct {
	line          int
	text          string // the line as written, trimmed
	sub, act, obj pattern
	deny          bool
}

// roleLine is a g line: subjects matching user hold role.
type roleLine struct {
	line int
	user pattern
	role string
}

// Parse compiles a policy file. name is used in messages only.
//
// The file is Casbin's CSV policy format: one line per rule,
//
//	p, SUBJECT, ACTION, RESOURCE, allow|deny
//	g, SUBJECT, ROLE
//
// plus blank lines and lines starting with #. Fields are trimmed and may be
// double-quoted ("a, b") to hold a comma. A UTF-8 byte order mark and CRLF
// line ends are accepted. SUBJECT, RESOURCE and ACTION are patterns (see the
// package doc); an ACTION starting with process. must name or match at least
// one action of the permission table (docs/PERMISSIONS.md), any other is the tenant's own (for
// security.can), unless it is a letter or two from one of the table (a
// typo: proces.send, Process.send); ROLE is a plain name. A file without any p line is an error: to deny
// everything, say so with "p, *, *, **, deny".
//
// Parse checks every line before Casbin sees any, and returns a *ParseError
// listing all problems.
func Parse(name string, data []byte) (*Policy, error) {
	ps := &parser{name: name}
	if len(data) > MaxFileSize {
		ps.addf(0, "the file is %d bytes; a policy file may have at most %d", len(data), MaxFileSize)
		return nil, ps.err()
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	var rules []rule
	var roles []roleLine
	seen := map[ruleKey]bool{}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		line := strings.TrimSuffix(string(raw), "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		fields, ok := ps.fields(n, trimmed)
		if !ok {
			continue
		}
		switch fields[0] {
		case "p":
			if r, ok := ps.rule(n, trimmed, fields); ok {
				if k := r.key(); !seen[k] { // a repeated rule changes nothing: its first line explains
					seen[k] = true
					rules = append(rules, r)
				}
			}
		case "g":
			if g, ok := ps.roleLine(n, fields); ok {
				roles = append(roles, g)
			}
		case "":
			ps.addf(n, "the line starts with a comma; it must start with p or g (p, SUBJECT, ACTION, RESOURCE, EFFECT or g, SUBJECT, ROLE)")
		default:
			ps.addf(n, "unknown line type %q; a line starts with p (a rule) or g (a role)", fields[0])
		}
	}
	if n := len(rules) + len(roles); n > MaxLines {
		ps.addf(0, "the file has %d rules and role lines; a policy may have at most %d", n, MaxLines)
	}
	if len(ps.problems) == 0 && len(rules) == 0 {
		ps.addf(0, "no rules; to deny everything say so with a deny rule: p, *, *, **, deny")
	}
	if len(ps.problems) > 0 {
		return nil, ps.err()
	}
	return compile(name, rules, roles)
}

// Load parses the policy file at path: the tenant's policy, named by the
// policy key of its tenant.yaml (tenants.Config.Policy). A tenant without one
// has AllowAll.
func Load(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

type parser struct {
	name     string
	problems []Problem
}

func (ps *parser) addf(line int, format string, args ...any) {
	ps.problems = append(ps.problems, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (ps *parser) err() error {
	sort.SliceStable(ps.problems, func(i, j int) bool { return ps.problems[i].Line < ps.problems[j].Line })
	return &ParseError{Name: ps.name, Problems: ps.problems}
}

// fields splits a line as CSV and checks each field's characters.
func (ps *parser) fields(n int, line string) ([]string, bool) {
	if !utf8.ValidString(line) {
		ps.addf(n, "the line is not valid UTF-8")
		return nil, false
	}
	r := csv.NewReader(strings.NewReader(line))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		ps.addf(n, "cannot split the line into fields: %v", err)
		return nil, false
	}
	ok := true
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
		if j := strings.IndexFunc(fields[i], func(r rune) bool { return unicode.IsControl(r) || r == '\uFEFF' }); j >= 0 {
			ps.addf(n, "field %d contains the control character %q", i+1, []rune(fields[i][j:])[0])
			ok = false
		}
	}
	return fields, ok
}

func (ps *parser) rule(n int, text string, f []string) (rule, bool) {
	if len(f) != 5 {
		ps.addf(n, "a p line has 5 fields (p, SUBJECT, ACTION, RESOURCE, EFFECT); this one has %d%s", len(f), quoteHint(len(f) > 5))
		return rule{}, false
	}
	r := rule{line: n, text: text}
	ok := true
	var good bool
	if r.sub, good = ps.pattern(n, "SUBJECT", f[1]); !good {
		ok = false
	}
	if actionIndex(f[2]) < 0 && actionIndex(f[3]) >= 0 {
		ps.addf(n, "ACTION %q and RESOURCE %q look swapped: a rule is p, SUBJECT, ACTION, RESOURCE, EFFECT", f[2], f[3])
		return rule{}, false
	}
	if r.act, good = ps.action(n, f[2]); !good {
		ok = false
	}
	if r.obj, good = ps.pattern(n, "RESOURCE", f[3]); !good {
		ok = false
	}
	switch f[4] {
	case "allow":
	case "deny":
		r.deny = true
	default:
		ps.addf(n, "EFFECT is %q; it must be allow or deny", f[4])
		ok = false
	}
	return r, ok
}

func (ps *parser) roleLine(n int, f []string) (roleLine, bool) {
	if len(f) != 3 {
		ps.addf(n, "a g line has 3 fields (g, SUBJECT, ROLE); this one has %d%s", len(f), quoteHint(len(f) > 3))
		return roleLine{}, false
	}
	g := roleLine{line: n, role: f[2]}
	user, ok := ps.pattern(n, "SUBJECT", f[1])
	g.user = user
	switch role, err := compilePattern(f[2]); {
	case f[2] == "":
		ps.addf(n, "ROLE is empty")
		ok = false
	case err != nil || !role.isLiteral():
		ps.addf(n, "ROLE %q must be a plain name, not a pattern", f[2])
		ok = false
	}
	return g, ok
}

func (ps *parser) pattern(n int, what, text string) (pattern, bool) {
	if text == "" {
		ps.addf(n, "%s is empty", what)
		return pattern{}, false
	}
	p, err := compilePattern(text)
	if err != nil {
		ps.addf(n, "%s: %v", what, err)
		return pattern{}, false
	}
	return p, true
}

func (ps *parser) action(n int, text string) (pattern, bool) {
	p, ok := ps.pattern(n, "ACTION", text)
	if !ok {
		return p, false
	}
	for _, a := range actions {
		if p.matches(a) {
			return p, true
		}
	}
	// Outside process.* an action is the tenant's own (security.can), unless
	// it is a letter or two away from a runtime action: a typo.
	if IsAppAction(text) {
		near := nearAction(text)
		if near == "" {
			return p, true
		}
		ps.addf(n, "unknown action %q; did you mean %s? (an action outside %s* is the tenant's own, for security.can, but this one looks like a typo of the runtime's)", text, near, RuntimePrefix)
		return p, false
	}
	if text == "process.exec" { // Wippy's name of the permission
		ps.addf(n, "unknown action %q; process.exec is an alias of process.call, whose permission is process.call", text)
		return p, false
	}
	if p.isLiteral() {
		ps.addf(n, "unknown action %q; the actions are %s", text, strings.Join(actions[:], ", "))
	} else {
		ps.addf(n, "ACTION %q matches no action; the actions are %s", text, strings.Join(actions[:], ", "))
	}
	return p, false
}

func quoteHint(tooMany bool) string {
	if tooMany {
		return `; a field that holds a comma is written in double quotes: "a,b"`
	}
	return ""
}
