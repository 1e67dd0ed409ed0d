package policies

import (
	"fmt"
	"slices"
	"strings"
)

// A policy can parse and still never do what its author meant: a rule for
// subject "mian" matches no process, a rule on resource "app:proccesses"
// no host. Lint compares a policy's rules with what the tenant's bundle
// holds and warns about the rules that can never match. `moonbox policy
// check` prints the warnings (and with --strict counts them as problems).

// Typo reports whether action is a misspelt action of the runtime's: one
// starting with RuntimePrefix that is not in Actions, or any other within
// two letters of one (proces.send), as Parse refuses them; and the action it
// most likely means ("" when none is close). Any other action is the
// application's own (security.can), never a typo.
func Typo(action string) (suggestion string, typo bool) {
	if actionIndex(action) >= 0 {
		return "", false
	}
	near := nearAction(action)
	if strings.HasPrefix(action, RuntimePrefix) || action == "process" {
		return near, true
	}
	return near, near != ""
}

// BundleFacts is what a tenant's bundle offers a policy to match.
type BundleFacts struct {
	// Sources are the source IDs of the bundle's Lua files (app.workers:handler).
	Sources []string
	// Hosts are the host IDs the tenant declares.
	Hosts []string
	// Strings are the string literals of the bundle's sources: the actors,
	// scope roles and registered names a process may use are written there
	// (with_actor("auditor"), with_scope({"reader"}), register("api")).
	Strings []string
}

// Lint returns a warning for each rule (and role line) that can match no
// subject or no resource of the bundle, in line order. A subject may be a
// source ID, a role of the policy, or any string of the bundle's sources (an
// actor or scope role set in Lua); a resource must be what its action
// checks (PERMISSIONS.md): a source ID, a host ID, a PID, "context",
// "security", or for the registry any name. AllowAll has no rules and no
// warnings.
func (p *Policy) Lint(b BundleFacts) []Problem {
	if p.allowAll {
		return nil
	}
	var roles []string
	for role := range p.roles.direct {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	subjects := slices.Concat(b.Sources, roles, b.Strings)
	var out []Problem
	warn := func(line int, format string, args ...any) {
		out = append(out, Problem{Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	for _, r := range p.rules {
		if !matchesAny(r.sub, subjects) {
			warn(r.line, "SUBJECT %q matches no source of the bundle, no role and no string of its sources: the rule never applies%s",
				r.sub.text, didYouMean(r.sub, slices.Concat(b.Sources, roles)))
		}
		if msg := p.resourceProblem(r, b); msg != "" {
			warn(r.line, "%s", msg)
		}
	}
	for _, g := range p.roleLines {
		if !matchesAny(g.user, subjects) {
			warn(g.line, "SUBJECT %q matches no source of the bundle, no role and no string of its sources: nobody holds role %s through this line%s",
				g.user.text, g.role, didYouMean(g.user, slices.Concat(b.Sources, roles)))
		}
	}
	slices.SortStableFunc(out, func(a, b Problem) int { return a.Line - b.Line })
	return out
}

// resourceProblem says why r's RESOURCE can match nothing its actions
// check, or "" when it can match something.
func (p *Policy) resourceProblem(r rule, b BundleFacts) string {
	hosts := b.Hosts
	var want []string  // what the resource could have matched, for the message
	var cands []string // names it could have meant
	for _, a := range actions {
		if !r.act.matches(a) {
			continue
		}
		var domain []string
		switch a {
		case ActionSpawn, ActionSpawnMonitored, ActionSpawnLinked, ActionCall:
			domain = b.Sources
			want = append(want, "source IDs")
		case ActionHost:
			domain = hosts
			want = append(want, "host IDs: "+strings.Join(hosts, ", "))
		case ActionContext:
			domain = []string{ResourceContext}
			want = append(want, `"context"`)
		case ActionSecurity:
			domain = []string{ResourceSecurity}
			want = append(want, `"security"`)
		case ActionRegister, ActionUnregister:
			return "" // any name
		default: // an action on a process: its PID or its source ID
			if r.obj.pidClass() != pidNone {
				return ""
			}
			domain = b.Sources
			want = append(want, "PIDs or source IDs")
		}
		if matchesAny(r.obj, domain) {
			return ""
		}
		cands = append(cands, domain...)
	}
	if len(want) == 0 {
		return "" // the application's own action: its resources are its own
	}
	slices.Sort(want)
	want = slices.Compact(want)
	return fmt.Sprintf("RESOURCE %q matches nothing %s checks (%s): the rule never applies%s",
		r.obj.text, r.act.text, strings.Join(want, "; "), didYouMean(r.obj, cands))
}

func matchesAny(p pattern, names []string) bool {
	for _, n := range names {
		if p.matches(n) {
			return true
		}
	}
	return false
}

// didYouMean is `; did you mean "x"?` for a literal close to one of names.
func didYouMean(p pattern, names []string) string {
	if !p.isLiteral() {
		return ""
	}
	if s := closest(p.text, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// closest is the name at the smallest edit distance from s, if that is at
// most a third of s's length (and at least 1); "" otherwise.
func closest(s string, names []string) string {
	if len(s) > 128 {
		return ""
	}
	best, bestD := "", max(1, len(s)/3)+1
	for _, n := range names {
		if n == s || len(n) > 128 {
			continue
		}
		if d := damerau(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// damerau is the Levenshtein distance with a swap of two neighbours counted
// as one edit (mian, main): the usual typo in a name.
func damerau(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
