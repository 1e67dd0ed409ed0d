package policies

import (
	_ "embed"
	"errors"
	"fmt"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/util"
)

// casbinModel is the Casbin model every tenant's policy is enforced with.
//
//go:embed model.conf
var casbinModel string

// principal is the r.sub of a Casbin request: a subject and every role it
// holds, computed once per request instead of once per rule.
type principal struct {
	name  string
	roles []string
}

// alternatives is the r.obj of a Casbin request: the names of one target.
type alternatives []string

// subjectMatch(r.sub, p.sub): the subject or one of its roles matches the glob.
func subjectMatch(args ...any) (any, error) {
	who, ok1 := args[0].(*principal)
	glob, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, errors.New("subjectMatch: bad arguments")
	}
	if m, err := util.GlobMatch(who.name, glob); err != nil || m {
		return m, err
	}
	for _, role := range who.roles {
		if m, err := util.GlobMatch(role, glob); err != nil || m {
			return m, err
		}
	}
	return false, nil
}

// objectMatch(r.obj, p.obj): one of the alternatives matches the glob.
func objectMatch(args ...any) (any, error) {
	alts, ok1 := args[0].(alternatives)
	glob, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return false, errors.New("objectMatch: bad arguments")
	}
	for _, a := range alts {
		if m, err := util.GlobMatch(a, glob); err != nil || m {
			return m, err
		}
	}
	return false, nil
}

// ruleKey identifies a rule in Casbin's explanation: its four fields as given
// to Casbin. Policy lines are deduplicated on it before Casbin sees them.
type ruleKey [4]string

func (r *rule) key() ruleKey {
	eft := "allow"
	if r.deny {
		eft = "deny"
	}
	return ruleKey{r.sub.glob, r.act.glob, r.obj.glob, eft}
}

// memoryAdapter hands Casbin the validated rules of a policy. It appends them
// to the model directly: persist.LoadPolicyArray would drop a rule whose
// fields, joined with ",", equal an earlier rule's (a deny rule on subject
// "s,process.send" and one on resource "process.send,o" collide), and a file
// or string adapter would panic on a line starting with a comma.
type memoryAdapter struct{ rules []rule }

func (a memoryAdapter) LoadPolicy(m model.Model) error {
	for i := range a.rules {
		k := a.rules[i].key()
		if err := m.AddPolicy("p", "p", k[:]); err != nil {
			return err
		}
	}
	return nil
}

var errReadOnly = errors.New("policies: a compiled policy is immutable")

func (memoryAdapter) SavePolicy(model.Model) error                              { return errReadOnly }
func (memoryAdapter) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (memoryAdapter) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (memoryAdapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }

// newEnforcer builds the enforcer of a set of validated, deduplicated rules.
// It is never changed afterwards, so concurrent Enforce calls are safe on it
// (enforce only reads the model; the matcher expression is built by the
// warm-up call here).
func newEnforcer(rules []rule) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(casbinModel)
	if err != nil {
		return nil, fmt.Errorf("policies: the embedded model: %w", err)
	}
	e, err := casbin.NewEnforcer(m, memoryAdapter{rules})
	if err != nil {
		return nil, err
	}
	e.AddFunction("subjectMatch", subjectMatch)
	e.AddFunction("objectMatch", objectMatch)
	if _, err := e.Enforce(&principal{}, ActionSend, alternatives{""}); err != nil {
		return nil, fmt.Errorf("policies: the embedded model: %w", err)
	}
	return e, nil
}
