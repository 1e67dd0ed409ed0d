package policies

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casbin/casbin/v2"
)

// A Policy is one tenant's compiled policy. It is immutable and safe for
// concurrent use; a Guard holds the one in force.
type Policy struct {
	name      string
	allowAll  bool
	rules     []rule     // the p lines, in file order, without repeats
	nroles    int        // g lines
	roleLines []roleLine // the g lines, in file order (for Lint)
	roles     *roleGraph
	// enforcers[a] holds the rules whose ACTION matches action a, in file
	// order; nil when there are none. A rule for another action can never
	// match, so Casbin need not look at it: with 100 rules spread over the
	// 16 actions, a check evaluates a few rules instead of all of them.
	enforcers [len(actions)]*casbin.Enforcer
	index     map[ruleKey]int // Casbin's explanation -> rules index
	// pidSome[a] is true when a rule for action a may decide two PIDs
	// differently; when false, the decision cache keys every PID alike.
	pidSome [len(actions)]bool
	// app holds, for each application action a rule names literally
	// (invoice.read), its rules and the pattern rules that match it;
	// appOther the pattern rules, for an application action no rule names.
	// nil when there are none.
	app      map[string]*casbin.Enforcer
	appOther *casbin.Enforcer
}

var allowAll = &Policy{name: "(no policy file)", allowAll: true}

// AllowAll returns the policy of a bundle without a policy file: every request
// is allowed.
func AllowAll() *Policy { return allowAll }

func compile(name string, rules []rule, roles []roleLine) (*Policy, error) {
	p := &Policy{name: name, rules: rules, nroles: len(roles), roleLines: roles, roles: newRoleGraph(roles), index: make(map[ruleKey]int, len(rules))}
	for i := range rules {
		p.index[rules[i].key()] = i
	}
	for a, action := range actions {
		var mine []rule
		for i := range rules {
			if rules[i].act.matches(action) {
				mine = append(mine, rules[i])
				if rules[i].obj.pidClass() == pidSome {
					p.pidSome[a] = true
				}
			}
		}
		if len(mine) == 0 {
			continue
		}
		e, err := newEnforcer(mine)
		if err != nil {
			return nil, err
		}
		p.enforcers[a] = e
	}
	return p, p.compileApp()
}

// compileApp builds the enforcers of the application actions (IsAppAction):
// one per action a rule names literally, so a check evaluates the rules of
// its action, not every rule of the file.
func (p *Policy) compileApp() error {
	var patterns []rule
	literal := map[string][]rule{}
	var names []string
	for _, r := range p.rules {
		switch {
		case strings.HasPrefix(r.act.text, RuntimePrefix):
			// process.* and the like match the runtime's actions only.
		case !r.act.isLiteral():
			patterns = append(patterns, r)
		case IsAppAction(r.act.text):
			if literal[r.act.text] == nil {
				names = append(names, r.act.text)
			}
			literal[r.act.text] = append(literal[r.act.text], r)
		}
	}
	for _, name := range names {
		mine := literal[name]
		for _, r := range patterns {
			if r.act.matches(name) {
				mine = append(mine, r)
			}
		}
		e, err := newEnforcer(sortByLine(mine))
		if err != nil {
			return err
		}
		if p.app == nil {
			p.app = map[string]*casbin.Enforcer{}
		}
		p.app[name] = e
	}
	if len(patterns) > 0 {
		e, err := newEnforcer(patterns)
		if err != nil {
			return err
		}
		p.appOther = e
	}
	return nil
}

// sortByLine puts rules in file order (Casbin reports the first matching).
func sortByLine(rs []rule) []rule {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].line < rs[j].line })
	return rs
}

// enforcerFor returns the enforcer holding the rules that may match action,
// or nil when none can (or the action is an unknown one of the runtime's).
func (p *Policy) enforcerFor(action string) *casbin.Enforcer {
	if a := actionIndex(action); a >= 0 {
		return p.enforcers[a]
	}
	if !IsAppAction(action) {
		return nil
	}
	if e := p.app[action]; e != nil {
		return e
	}
	return p.appOther
}

// roleGraph is the g lines made quick to follow: who holds which role.
type roleGraph struct {
	byName   map[string][]string // a literal SUBJECT -> its roles
	patterns []roleLine          // g lines whose SUBJECT is a pattern
	direct   map[string][]string // a role -> the roles it holds itself
}

func newRoleGraph(roles []roleLine) *roleGraph {
	g := &roleGraph{byName: map[string][]string{}, direct: map[string][]string{}}
	for _, r := range roles {
		if r.user.isLiteral() {
			if !contains(g.byName[r.user.text], r.role) {
				g.byName[r.user.text] = append(g.byName[r.user.text], r.role)
			}
		} else {
			g.patterns = append(g.patterns, r)
		}
	}
	for _, r := range roles {
		if _, done := g.direct[r.role]; !done {
			g.direct[r.role] = g.held(r.role)
		}
	}
	return g
}

// held returns the roles name holds by a g line of its own.
func (g *roleGraph) held(name string) []string {
	out := append([]string(nil), g.byName[name]...)
	for _, r := range g.patterns {
		if r.user.matches(name) && !contains(out, r.role) {
			out = append(out, r.role)
		}
	}
	return out
}

// rolesOf returns every role subject holds, directly or through other roles.
// There is no depth limit, and cycles are harmless: roles in a cycle hold
// each other's rights.
func (p *Policy) rolesOf(subject string) []string {
	if len(p.roles.direct) == 0 {
		return nil
	}
	out := p.roles.held(subject)
	for i := 0; i < len(out); i++ { // out doubles as the queue
		for _, r := range p.roles.direct[out[i]] {
			if r != subject && !contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// String describes p: "NAME: N rules, M role lines", or that it allows
// everything.
func (p *Policy) String() string {
	if p.allowAll {
		return "no policy file: every request is allowed"
	}
	return fmt.Sprintf("%s: %d rules, %d role lines", p.name, len(p.rules), p.nroles)
}

// A Request asks whether a process may act on a resource.
type Request struct {
	// Subject is the process's security actor: its source ID, unless its
	// spawner set one with with_actor.
	Subject string
	// Scope holds the roles set with with_scope. When it is not empty, a
	// request is allowed only if Subject is allowed and at least one of the
	// roles, taken as the subject, is allowed too: a scope narrows, never
	// widens.
	Scope []string
	// Action is one of the Action constants, or an application action of
	// the tenant's own (IsAppAction), which only security.can asks about.
	Action string
	// Resources are the names of the target, the first being its own name.
	// For an action on a PID: the PID and the target's source ID, so a rule
	// may name either. The request is allowed if a rule allows one of them and
	// no rule denies any of them.
	Resources []string
	// Caller is the PID of the calling process. Rules do not match on it; it
	// goes into denials for the tenant's log.
	Caller string
}

// On returns a copy of r with another action and resources.
func (r Request) On(action string, resources ...string) Request {
	r.Action = action
	r.Resources = resources
	return r
}

// resource is the request's own resource: its first alternative.
func (r Request) resource() string {
	if len(r.Resources) == 0 {
		return ""
	}
	return r.Resources[0]
}

// A Decision is the answer to a Request and the rule that gave it.
type Decision struct {
	Allowed bool
	// Rule is the deciding rule as written in the policy file: the deny rule
	// that refused, or the allow rule that granted. It is "" when no rule
	// matched (a refusal), and for AllowAll.
	Rule string
	// Line is Rule's line in the policy file, 0 when Rule is "".
	Line int
	// Subject is whose rules decided: the request's subject or, when the
	// scope refused, a scope role.
	Subject string
	// Resource is the alternative Rule matched, "" when Rule is "".
	Resource string
	// Scope is, for an allowed request with a scope, the scope role that
	// admitted it.
	Scope string
}

// String describes d for `moonbox policy explain`.
func (d Decision) String() string {
	var b strings.Builder
	if d.Allowed {
		b.WriteString("allow")
	} else {
		b.WriteString("deny")
	}
	switch {
	case d.Line > 0:
		fmt.Fprintf(&b, ": line %d (%s) for %s on %s", d.Line, d.Rule, d.Subject, d.Resource)
	case d.Allowed:
		b.WriteString(": no policy file, every request is allowed")
	default:
		fmt.Fprintf(&b, ": no rule matches %s", d.Subject)
	}
	if d.Scope != "" {
		fmt.Fprintf(&b, "; admitted by scope role %s", d.Scope)
	}
	return b.String()
}

// verdict is a decision as the cache keeps it: indexes into the policy and
// the request, no pointers.
type verdict struct {
	allowed bool
	failed  bool  // Casbin returned an error: refused, and never cached
	rule    int32 // index in Policy.rules, -1 for none
	who     int16 // -1: the subject; i: Scope[i]
	alt     int16 // index in Resources, -1 for none
	scope   int16 // the admitting scope role, -1 for none
}

// Decide answers r. An unknown action of the runtime's (process.*, not in
// Actions), or a request without resources, is refused. Decide does not cache; a Guard does.
func (p *Policy) Decide(r Request) Decision {
	return p.decision(r, p.decide(r))
}

func (p *Policy) decide(r Request) verdict {
	v := verdict{rule: -1, who: -1, alt: -1, scope: -1}
	if p.allowAll {
		v.allowed = true
		return v
	}
	e := p.enforcerFor(r.Action)
	if e == nil || len(r.Resources) == 0 {
		return v
	}
	v = p.enforce(e, r.Action, r.Subject, r.Resources)
	if !v.allowed || len(r.Scope) == 0 {
		return v
	}
	first := verdict{rule: -1, alt: -1, scope: -1}
	for i, role := range r.Scope {
		s := p.enforce(e, r.Action, role, r.Resources)
		s.who = int16(i)
		if s.allowed {
			v.scope = int16(i)
			return v
		}
		if s.failed {
			return s
		}
		if i == 0 || (first.rule < 0 && s.rule >= 0) {
			first = s // report the first deny rule among the roles, else the first role
		}
	}
	return first
}

// enforce asks Casbin, with the enforcer e of action, about one subject.
func (p *Policy) enforce(e *casbin.Enforcer, action, subject string, resources []string) verdict {
	v := verdict{rule: -1, who: -1, alt: -1, scope: -1}
	who := &principal{name: subject, roles: p.rolesOf(subject)}
	ok, explain, err := e.EnforceEx(who, action, alternatives(resources))
	if err != nil {
		v.failed = true
		return v
	}
	v.allowed = ok
	if len(explain) == 4 {
		if i, found := p.index[ruleKey(explain)]; found {
			v.rule = int32(i)
			for j, res := range resources {
				if p.rules[i].obj.matches(res) {
					v.alt = int16(j)
					break
				}
			}
		}
	}
	return v
}

func (p *Policy) decision(r Request, v verdict) Decision {
	d := Decision{Allowed: v.allowed, Subject: r.Subject}
	if v.who >= 0 && int(v.who) < len(r.Scope) {
		d.Subject = r.Scope[v.who]
	}
	if v.rule >= 0 {
		d.Rule = p.rules[v.rule].text
		d.Line = p.rules[v.rule].line
	}
	if v.alt >= 0 && int(v.alt) < len(r.Resources) {
		d.Resource = r.Resources[v.alt]
	}
	if v.scope >= 0 && int(v.scope) < len(r.Scope) {
		d.Scope = r.Scope[v.scope]
	}
	return d
}
