package policies

import (
	"fmt"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/casbin/casbin/v2/util"
)

// A pattern is a subject, action or resource of a policy line: a glob as
// Casbin's globMatch (doublestar) reads it, except that braces are literal,
// because PIDs are written in them.
//
//   - any run of characters except /
//     **      as the whole pattern, or a whole /-separated part: anything, / included
//     ?       any one character except /
//     [abc]   one of a, b, c; [a-z] a range; [!a] or [^a] anything but a
//     \c      the character c itself (\* \? \[ \\)
//     { } | : . ,   themselves
//
// The policy file keeps the text as written; Casbin is given the glob with
// every brace escaped, since doublestar reads {a,b} as "a or b": unescaped, the
// pattern {app:processes|0x0001a.t1.n0} matches app:processes|0x0001a.t1.n0
// and not the PID itself.
type pattern struct {
	text string // as written in the policy file
	glob string // as given to globMatch: braces escaped
}

// compilePattern checks and translates the text of a pattern.
func compilePattern(text string) (pattern, error) {
	var b strings.Builder
	b.Grow(len(text) + 4)
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\\':
			if i+1 == len(text) {
				return pattern{}, fmt.Errorf("bad pattern %q: it ends with a lone \\; write \\\\ for a \\ itself", text)
			}
			b.WriteByte(c)
			i++
			b.WriteByte(text[i])
		case '{', '}':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	glob := b.String()
	if !doublestar.ValidatePattern(glob) {
		return pattern{}, fmt.Errorf("bad pattern %q: a [ without its ], or an empty class []; write \\[ for a [ itself", text)
	}
	return pattern{text: text, glob: glob}, nil
}

// isLiteral reports whether p matches exactly one string (it has no * ? [).
func (p pattern) isLiteral() bool {
	return !strings.ContainsAny(p.text, `*?[\`)
}

// matches reports whether p matches s. An error from globMatch (impossible for
// a pattern compilePattern accepted) does not match.
func (p pattern) matches(s string) bool {
	ok, err := util.GlobMatch(s, p.glob)
	return ok && err == nil
}

// pidClass tells how a resource pattern treats strings that start with "{"
// and contain no "/", such as PIDs.
type pidClass uint8

const (
	pidNone pidClass = iota // matches none of them: it starts with a literal other than {
	pidAll                  // matches all of them: it is all stars
	pidSome                 // may match some and not others
)

func (p pattern) pidClass() pidClass {
	g := p.glob
	switch {
	case strings.Trim(g, "*") == "":
		return pidAll
	case g[0] == '\\' && len(g) > 1 && g[1] != '{':
		return pidNone
	case g[0] == '\\', g[0] == '*', g[0] == '?', g[0] == '[', g[0] == '{':
		return pidSome
	default:
		return pidNone
	}
}

// pidToken stands for every PID-like resource (one that starts with "{" and
// contains no "/") in the decision cache of an action whose rules are all
// pidNone or pidAll: such rules decide every PID alike.
const pidToken = "{}"

func isPIDLike(s string) bool {
	return strings.HasPrefix(s, "{") && !strings.Contains(s, "/")
}
