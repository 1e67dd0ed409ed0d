// Package policies decides what a tenant's processes may do: the permission
// checks of the process API (docs/PERMISSIONS.md: each action, its resource,
// the calls that need it).
//
// A tenant's policy is a Casbin policy file, named by the policy key of its
// tenant.yaml (tenants.Config.Policy), checked line by line by Parse (Load
// reads the file) and enforced by Casbin with the model that ships with
// Moonbox (model.conf, embedded). A tenant without a policy file has
// AllowAll. Nothing outside this package imports Casbin: the host compiles a
// tenant's policy once, keeps it in a Guard, and asks the Guard:
//
//	g := policies.NewGuard(p, policies.DefaultCacheSize)
//	err := g.Check(policies.Request{
//		Subject:   actor, // the process's security actor
//		Scope:     scope, // its with_scope roles, if any
//		Action:    policies.ActionSend,
//		Resources: []string{targetPID, targetSourceID},
//		Caller:    callerPID,
//	}) // nil, or a *Denied (PERMISSION_DENIED)
//
//	p, SUBJECT, ACTION, RESOURCE, allow|deny    a rule
//	g, SUBJECT, ROLE                            SUBJECT holds ROLE
//	# a comment
//
// A request is (subject, action, resource): the subject is the calling
// process's security actor (its source ID, unless its spawner set one with
// with_actor), the action one of the 16 of the permission table (ActionSend ...),
// the resource what the table says: a target PID, a source ID, a host ID, a
// name, "context" or "security". An action outside process.* is an
// application action of the tenant's own (invoice.read), asked about only by
// Lua's security.can, with whatever resource the script names
// (IsAppAction); a policy file may grant and deny them beside the runtime's. For an action on a PID the host passes the
// PID and the target's source ID as alternatives, so a rule may name either
// (app.workers:* for every worker, or one PID). The decision:
//
//   - a deny rule matching the subject (or a role it holds), the action and
//     any alternative refuses, whatever allows it;
//   - otherwise an allow rule matching one alternative allows;
//   - otherwise the request is refused: nothing matching is deny.
//
// A request with a scope (with_scope) is allowed only if its subject is
// allowed and at least one scope role, taken as the subject, is allowed too:
// a scope narrows, never widens. Setting an actor or a scope is itself the
// privileged process.security: a process allowed it can give its child any
// actor, so grant it as you would grant the actor's rights.
//
// SUBJECT, ACTION and RESOURCE are globMatch patterns (doublestar): * any run
// of characters but /, ** everything (as a whole pattern or a whole
// /-separated part), ? one character, [a-z] [!a] classes, \ makes the next
// character literal. : and . are ordinary characters (app.*:handler,
// app.workers:*), and so are braces, which PIDs are written in:
// {app:processes|*} is every process on host app:processes. (keyMatch is not
// used: it reads : as a parameter.) A ROLE is a plain name.
//
// The operations the permission table gives several permissions are Spawn (the
// spawn variants, with or without a custom actor or scope) and CallRequests;
// Guard.CheckAll checks them in order and returns the first refusal.
//
// # Lint
//
// A policy that parses can still never match: a rule for subject "mian", a
// rule on host "app:proccesses". Policy.Lint compares the rules with what
// the tenant's bundle holds (BundleFacts: its sources, hosts and string
// literals) and warns about each rule that can never apply; Typo flags an
// unknown action inside process.* (actions in other namespaces are the
// application's own). moonbox policy check prints both.
//
// # Guard: cache and reload
//
// A Guard holds the policy in force and a bounded cache of its decisions, in
// one atomically swapped value: Swap and ReloadFile replace both at once, so
// no check that starts after Swap returns sees an answer of the old policy.
// ReloadFile parses the new file to the side and keeps the old policy when it
// is malformed. A cache hit costs about 100 ns and no allocation; Casbin's own
// evaluation costs tens of µs. When no rule for an action names a PID pattern,
// the cache keys every PID alike, so a send to a newly spawned process is a
// hit too.
//
// Denials are *Denied errors, errors.Is(err, ErrDenied), with status
// abi.PermissionDenied (errors.PERMISSION_DENIED in Lua) and the message
// "permission denied: ACTION on RESOURCE for SUBJECT".
//
// # Notes
//
// Casbin is fed only lines Parse accepted, from memory. RATIONALE.md lists
// the Casbin behaviours this package steers around (a line starting with a
// comma panics inside LoadPolicy; rules whose fields join with "," to the
// same string are loaded once; roles deeper than 10 levels are not found;
// CachedEnforcer's "$$"-joined keys collide and its cache outlives a reload).
package policies
