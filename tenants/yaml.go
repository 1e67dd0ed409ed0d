package tenants

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Reading YAML with care: one document, every problem with its line and
// column, misplaced and misspelled keys named, aliases followed safely.

// A Problem is one thing wrong with a tenant config.
type Problem struct {
	Line, Column int    // 1-based; Line 0 is the file as a whole, Column 0 unknown
	Field        string // dotted path of the key, such as "limits.mailbox" or "hosts[1]"; "" for the file
	Msg          string
}

// ConfigError lists every problem found in one tenant config, in file order.
type ConfigError struct {
	File     string
	Problems []Problem
}

// Error lists the problems one a line, as file:line:col: field: msg.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 0 {
		return e.File + ": invalid tenant config"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Column > 0 {
				fmt.Fprintf(&b, ":%d", p.Column)
			}
		}
		b.WriteString(": ")
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
}

// parser collects the problems of one config.
type parser struct {
	dir      string
	problems []Problem
	lines    map[string]int // each known key's line, by dotted path
	empty    string         // the problem for an empty file; "" for tenant.yaml's
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// decode parses data as exactly one YAML document and returns its top node,
// or nil after adding a problem.
func (p *parser) decode(data []byte) (root *yaml.Node) {
	defer func() { // the YAML parser is not ours: never let it take the host down
		if r := recover(); r != nil {
			p.problems = append(p.problems, Problem{Line: 1, Msg: fmt.Sprintf("cannot parse YAML: %v", r)})
			root = nil
		}
	}()
	empty := p.empty
	if empty == "" {
		empty = "the file is empty: it needs at least `name: <tenant>`"
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			p.add(nil, "", "%s", empty)
		} else {
			p.syntax(data, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		p.syntax(data, err)
	default:
		p.add(&next, "", "a second YAML document: a config is exactly one (remove the ---)")
	}
	if len(doc.Content) == 0 {
		p.add(nil, "", "%s", empty)
		return nil
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		p.add(nil, "", "%s", empty)
		return nil
	}
	return root
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntax adds a YAML syntax error. yaml.v3 does not give a line for every
// error; for those it guesses from the data.
func (p *parser) syntax(data []byte, err error) {
	msg := err.Error()
	line, col := 0, 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		line, _ = strconv.Atoi(m[1])
	}
	if parserErrors[msg] && line > 0 {
		// yaml.v3 adds 1 to scanner error lines but not to parser error
		// lines: their marks are 0-based. The line is where the unfinished
		// list or mapping starts, or else where the parser gave up.
		line++
	}
	if line == 0 {
		line, col = guessLine(data, msg)
	}
	if n := lineCount(data); line > n {
		line, col = n, 0 // an error at the end of the stream: the last line
	}
	// yaml.v3 says "found character that cannot start any token" or "found
	// a tab character that violates indentation", on the tab's line or
	// the one before it.
	if strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token") {
		for _, l := range []int{line, line + 1} {
			if tab := indentTab(data, l); tab > 0 {
				p.problems = append(p.problems, Problem{Line: l, Column: tab, Msg: "tabs are not allowed for indentation: indent with spaces"})
				return
			}
		}
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Msg: "YAML syntax error: " + msg})
}

// indentTab is the 1-based column of the first tab in the indentation of
// line (1-based) of data, or 0 when it has none.
func indentTab(data []byte, line int) int {
	if line < 1 {
		return 0
	}
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return 0
	}
	for i, c := range lines[line-1] {
		switch c {
		case ' ':
		case '\t':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// parserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner and reader).
var parserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// lineCol is the 1-based line and column of byte offset off in data, counted
// as YAML does: \n, \r\n, \r, NEL, LS and PS each end a line.
func lineCol(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		i += size
		switch r {
		case '\r':
			if i < len(data) && data[i] == '\n' {
				col++ // the \n ends the line
				continue
			}
			fallthrough
		case '\n', '\u0085', '\u2028', '\u2029':
			line, col = line+1, 1
		default:
			col++
		}
	}
	return line, col
}

// lineCount is the number of lines in data (a break at the end starts no new
// line), at least 1.
func lineCount(data []byte) int {
	n, col := lineCol(data, len(data))
	if col == 1 && n > 1 {
		n--
	}
	return n
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

func guessLine(data []byte, msg string) (line, col int) {
	at := func(off int) (int, int) { return lineCol(data, off) }
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			return at(i)
		}
	}
	if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") {
		for off := 0; off < len(data); {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
				return at(off)
			}
			off += size
		}
	}
	// yaml.v3 leaves the line out when its mark is on the first line.
	return 1, 0
}

var plainKeyRE = regexp.MustCompile(`^[A-Za-z0-9_<-]{1,40}$`)

type entry struct{ key, val *yaml.Node }

// fields checks the keys of mapping n (path is its prefix in field names) and
// returns the known ones. other are the keys of the other level, where a
// misplaced key belongs (hint says where).
func (p *parser) fields(n *yaml.Node, path string, known, other []string, hint string) map[string]entry {
	out := map[string]entry{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			p.add(k, strings.TrimSuffix(path, "."), "an alias (*%s) cannot be a key", short(k.Value))
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.add(k, strings.TrimSuffix(path, "."), "keys must be plain words, got %s", describe(k))
			continue
		}
		name := path + k.Value
		if !plainKeyRE.MatchString(k.Value) {
			name = path + strconv.Quote(short(k.Value))
		}
		if k.ShortTag() == "!!merge" {
			p.add(k, name, "merge keys (<<) are not supported: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.add(k, name, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		if !slices.Contains(known, k.Value) {
			switch {
			case slices.Contains(other, k.Value):
				p.add(k, name, "unknown key here: %s belongs %s", k.Value, hint)
			case suggest(k.Value, known) != "":
				p.add(k, name, "unknown key (did you mean %s?)", suggest(k.Value, known))
			default:
				p.add(k, name, "unknown key (known keys: %s)", strings.Join(known, ", "))
			}
			continue
		}
		out[k.Value] = entry{k, v}
		if p.lines == nil {
			p.lines = map[string]int{}
		}
		p.lines[path+k.Value] = k.Line
	}
	return out
}

// str returns the string value of n. quote says to suggest quoting a value
// YAML read as a number or boolean.
func (p *parser) str(n *yaml.Node, field string, quote bool) (string, bool) {
	n = deref(n)
	if isNull(n) {
		p.add(n, field, "has no value (leave the key out to get the default)")
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if quote && n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(` (quote it: "%s")`, short(n.Value))
		}
		p.add(n, field, "must be a string, got %s%s", describe(n), hint)
		return "", false
	}
	return n.Value, true
}

func (e *pathError) Error() string { return e.msg }

// deref follows an alias (*name) to its anchored node. An alias never points
// to another alias, and the schema is two levels deep, so a cyclic anchor
// cannot make the parser loop.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe says what a node is, for "must be X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "no value"
		case "!!int", "!!float":
			return "the number " + short(n.Value)
		case "!!bool":
			return "the boolean " + short(n.Value)
		case "!!str":
			return fmt.Sprintf("the string %q", short(n.Value))
		default:
			return fmt.Sprintf("a %s value", short(n.ShortTag()))
		}
	}
	return "an alias"
}

// short truncates s for a message.
func short(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// suggest returns the known key closest to key, if it is close enough to be
// a typo (at most 2 edits, ignoring case).
func suggest(key string, known []string) string {
	best, bestD := "", 3
	if len(key) > 64 {
		return ""
	}
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
