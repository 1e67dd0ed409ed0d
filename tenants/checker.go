package tenants

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// A Checker checks another YAML config of the runtime (the server's
// moonbox.yaml) with tenant.yaml's rules and messages: every problem with its
// line, unknown keys with a suggestion, duplicate keys, keys without a value,
// one document, sizes with units, and limits: mappings read exactly as
// tenant.yaml's. Its methods add problems and return ok=false rather than
// stop, so one pass reports everything; [Checker.Err] returns them as a
// *[ConfigError].
//
// A Checker holds yaml.v3 nodes: it is for parsers inside this module.
type Checker struct {
	p parser
}

// NewChecker returns a Checker whose problem for an empty file is empty (such
// as "the file is empty: leave it out for the defaults").
func NewChecker(empty string) *Checker {
	return &Checker{p: parser{dir: ".", empty: empty}}
}

// Document parses data as exactly one YAML document of at most
// [MaxConfigSize] bytes and returns its top node, or nil after a problem.
func (c *Checker) Document(data []byte) *yaml.Node {
	if len(data) > MaxConfigSize {
		c.p.problems = append(c.p.problems, Problem{Msg: fmt.Sprintf("larger than %s: a config is a few lines", formatSize(MaxConfigSize))})
		return nil
	}
	return c.p.decode(data)
}

// Mapping checks that n (the value of field; "" for the top level) is a
// mapping whose keys are among known, and returns their values by key.
// outer and hint point a key of another level to where it belongs.
func (c *Checker) Mapping(n *yaml.Node, field string, known, outer []string, hint string) (map[string]*yaml.Node, bool) {
	n = deref(n)
	if isNull(n) && field != "" {
		c.p.add(n, field, "has no value (leave the key out to get the default)")
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		c.p.add(n, field, "must be a mapping of keys (%s), got %s", strings.Join(known, ", "), describe(n))
		return nil, false
	}
	prefix := ""
	if field != "" {
		prefix = field + "."
	}
	out := map[string]*yaml.Node{}
	for k, e := range c.p.fields(n, prefix, known, outer, hint) {
		out[k] = deref(e.val)
	}
	return out, true
}

// String reads a string.
func (c *Checker) String(n *yaml.Node, field string) (string, bool) {
	return c.p.str(n, field, true)
}

// Bool reads true or false.
func (c *Checker) Bool(n *yaml.Node, field string) (bool, bool) {
	n = deref(n)
	if isNull(n) {
		c.p.add(n, field, "has no value (leave the key out to get the default)")
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		c.p.add(n, field, "must be true or false, got %s", describe(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		c.p.add(n, field, "must be true or false, got %s", describe(n))
		return false, false
	}
	return b, true
}

// Count reads a whole number between lo and hi.
func (c *Checker) Count(n *yaml.Node, field string, lo, hi int64) (int64, bool) {
	n = deref(n)
	bounds := fmt.Sprintf("must be between %d and %d", lo, hi)
	v, ok := c.p.count(n, field, bounds)
	if ok && (v < lo || v > hi) {
		c.p.add(n, field, "%s, got %d", bounds, v)
		return 0, false
	}
	return v, ok
}

// Size reads bytes, a whole number or a size with a unit (256MiB), between lo
// and hi.
func (c *Checker) Size(n *yaml.Node, field string, lo, hi int64) (int64, bool) {
	n = deref(n)
	bounds := fmt.Sprintf("must be between %s and %s", formatSize(lo), formatSize(hi))
	v, ok := c.p.size(n, field, bounds)
	if ok && (v < lo || v > hi) {
		c.p.add(n, field, "%s, got %s (%d bytes)", bounds, short(n.Value), v)
		return 0, false
	}
	return v, ok
}

// Duration reads a Go duration (250ms, 5s, 1m30s) between lo and hi.
func (c *Checker) Duration(n *yaml.Node, field string, lo, hi time.Duration) (time.Duration, bool) {
	s, ok := c.p.str(n, field, false)
	if !ok {
		return 0, false
	}
	n = deref(n)
	d, err := time.ParseDuration(s)
	if err != nil {
		c.p.add(n, field, "%q is not a duration such as 500ms, 5s or 1m", short(s))
		return 0, false
	}
	if d < lo || d > hi {
		c.p.add(n, field, "must be between %v and %v, got %v", lo, hi, d)
		return 0, false
	}
	return d, true
}

// Limits reads a limits mapping, the value of key field, onto l (whose unset
// keys keep their value; memory_soft left out is 75% of memory). outer are the
// keys of the level above, for a misplaced key.
func (c *Checker) Limits(n *yaml.Node, field string, outer []string, l *Limits) {
	c.p.limits(n, field, outer, l)
}

// Problem adds a problem at n (nil: line 1).
func (c *Checker) Problem(n *yaml.Node, field, format string, args ...any) {
	c.p.add(n, field, format, args...)
}

// Err returns the problems found so far as a *[ConfigError] for file, in
// file order, or nil if there were none.
func (c *Checker) Err(file string) error {
	if len(c.p.problems) == 0 {
		return nil
	}
	probs := slices.Clone(c.p.problems)
	slices.SortStableFunc(probs, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return &ConfigError{File: file, Problems: probs}
}

// LimitKeys are the keys of a limits: mapping, in tenant.yaml's order.
func LimitKeys() []string { return slices.Clone(limitKeys) }

// FormatSize writes n bytes in the largest binary unit that divides it (1MiB).
func FormatSize(n int64) string { return formatSize(n) }

// Exceeding lists, as "limits.KEY: N is above the ceiling M", every limit of
// l above ceiling. 0 (unlimited) is above any ceiling but 0 for cpu_total and
// cpu_rate.
func (l Limits) Exceeding(ceiling Limits) []string {
	var out []string
	for _, s := range limitSpecs {
		v, c := s.get(&l), s.get(&ceiling)
		over := v > c
		if s.zeroOK {
			over = c != 0 && (v == 0 || v > c)
		}
		if over {
			got := s.format(v)
			if v == 0 && s.zeroOK {
				got = "0 (unlimited)"
			}
			out = append(out, fmt.Sprintf("limits.%s: %s is above the operator's ceiling %s", s.key, got, s.format(c)))
		}
	}
	return out
}
