package policies

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
	var rs []Request
	for _, a := range SpawnActions(s.Monitored, s.Linked) {
		rs = append(rs, by.On(a, s.Source))
	}
	rs = append(rs, by.On(ActionHost, s.Host))
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
