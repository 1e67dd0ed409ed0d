package policies

import (
	"errors"
	"fmt"
	"strings"
)

// The actions of the permission table (docs/PERMISSIONS.md). A policy rule names one of
// them, or a pattern over them (process.*, process.spawn*).
const (
	ActionSend           = "process.send"                // send(): the target PID
	ActionSpawn          = "process.spawn"               // spawn*(): the source ID
	ActionSpawnMonitored = "process.spawn.monitored"     // spawn_monitored(), spawn_linked_monitored(): the source ID
	ActionSpawnLinked    = "process.spawn.linked"        // spawn_linked(), spawn_linked_monitored(): the source ID
	ActionHost           = "process.host"                // spawn*(), call(): the host ID
	ActionCall           = "process.call"                // call(): the source ID
	ActionTerminate      = "process.terminate"           // terminate(): the target PID
	ActionCancel         = "process.cancel"              // cancel(): the target PID
	ActionMonitor        = "process.monitor"             // monitor(): the target PID
	ActionUnmonitor      = "process.unmonitor"           // unmonitor(): the target PID
	ActionLink           = "process.link"                // link(): the target PID
	ActionUnlink         = "process.unlink"              // unlink(): the target PID
	ActionContext        = "process.context"             // with_context(): ResourceContext
	ActionSecurity       = "process.security"            // :with_actor(), :with_scope(): ResourceSecurity
	ActionRegister       = "process.registry.register"   // registry.register(): the name
	ActionUnregister     = "process.registry.unregister" // registry.unregister(): the name
)

// The fixed resources of the permission table.
const (
	ResourceContext  = "context"  // the resource of ActionContext
	ResourceSecurity = "security" // the resource of ActionSecurity
)

// actions lists every action in the permission table's order; an action's index is its
// position here.
var actions = [...]string{
	ActionSpawn, ActionSpawnMonitored, ActionSpawnLinked, ActionHost,
	ActionSend, ActionCall, ActionTerminate, ActionCancel,
	ActionMonitor, ActionUnmonitor, ActionLink, ActionUnlink,
	ActionContext, ActionSecurity, ActionRegister, ActionUnregister,
}

// Actions returns the names of every action a policy can name, in the order of
// the permission table (docs/PERMISSIONS.md).
func Actions() []string { return append([]string(nil), actions[:]...) }

// RuntimePrefix starts every action of the runtime's (docs/PERMISSIONS.md):
// an action spelled with it that is not in Actions is a mistake, never an
// application action.
const RuntimePrefix = "process."

// IsAppAction reports whether action is an application action: one of the
// tenant's own (invoice.read), which only security.can asks about. Every
// non-empty action outside the runtime's namespace (RuntimePrefix, or
// "process" itself) is one.
func IsAppAction(action string) bool {
	return action != "" && action != "process" && !strings.HasPrefix(action, RuntimePrefix)
}

// CheckAction returns nil for an action a request may name, an action of
// Actions or an application action, and an error saying what is wrong
// otherwise.
func CheckAction(action string) error {
	if actionIndex(action) >= 0 || IsAppAction(action) {
		return nil
	}
	if action == "" {
		return errors.New("the action is empty")
	}
	return fmt.Errorf("unknown action %q; actions starting with %q are the runtime's: %s", action, RuntimePrefix, strings.Join(actions[:], ", "))
}

// nearAction returns an action of Actions that text is probably a typo of
// (at most two letters wrong, or another case), or "".
func nearAction(text string) string {
	for _, a := range actions {
		if strings.EqualFold(text, a) || editDistance(strings.ToLower(text), a, 2) <= 2 {
			return a
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, or max+1 once it is
// sure to exceed max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// actionIndex returns the position of a known action in actions, or -1.
func actionIndex(a string) int {
	for i, b := range actions {
		if a == b {
			return i
		}
	}
	return -1
}

// SpawnActions returns the actions a spawn checks on the source ID, in check
// order: process.spawn, then process.spawn.monitored for the monitored
// variants and process.spawn.linked for the linked ones. A spawn also checks
// process.host on the host ID (and process.security when the spawner set an
// actor or a scope); Spawn.Requests lists all of them.
func SpawnActions(monitored, linked bool) []string {
	as := []string{ActionSpawn}
	if monitored {
		as = append(as, ActionSpawnMonitored)
	}
	if linked {
		as = append(as, ActionSpawnLinked)
	}
	return as
}

// Spawn describes a spawn for the combined check of the permission table:
//
//	spawn()                  process.spawn + process.host
//	spawn_monitored()        process.spawn + process.spawn.monitored + process.host
//	spawn_linked()           process.spawn + process.spawn.linked + process.host
//	spawn_linked_monitored() process.spawn + process.spawn.monitored + process.spawn.linked + process.host
//	with a custom actor or scope: the above + process.security
type Spawn struct {
	Source    string // the process source ID, "app.workers:handler"
	Host      string // the host ID, "app:processes"
	Monitored bool   // spawn_monitored, spawn_linked_monitored
	Linked    bool   // spawn_linked, spawn_linked_monitored
	Security  bool   // the spawner set an actor or a scope (with_actor, with_scope)
}

// Requests returns the checks of s made on behalf of by (its Subject, Scope and
// Caller; its Action and Resources are ignored), in check order.
func (s Spawn) Requests(by Request) []Request {
	n := 2 // process.spawn, process.host
	for _, set := range [...]bool{s.Monitored, s.Linked, s.Security} {
		if set {
			n++
		}
	}
	// Every spawn asks these: one allocation for the requests, one for
	// the resources they share (read only).
	rs := make([]Request, 0, n)
	names := []string{s.Source, s.Host}
	source, host := names[:1:1], names[1:]
	rs = append(rs, by.On(ActionSpawn, source...))
	if s.Monitored {
		rs = append(rs, by.On(ActionSpawnMonitored, source...))
	}
	if s.Linked {
		rs = append(rs, by.On(ActionSpawnLinked, source...))
	}
	rs = append(rs, by.On(ActionHost, host...))
	if s.Security {
		rs = append(rs, by.On(ActionSecurity, ResourceSecurity))
	}
	return rs
}

// CallRequests returns the checks of process.call(source, host) made on behalf
// of by: process.call on the source ID, then process.host on the host ID.
func CallRequests(by Request, source, host string) []Request {
	return []Request{by.On(ActionCall, source), by.On(ActionHost, host)}
}
