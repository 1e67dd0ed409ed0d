package policies_test

import (
	"errors"
	"fmt"

	"github.com/moonbox-runtime/moonbox/policies"
)

func Example() {
	p, err := policies.Parse("policy.csv", []byte(`
# the API may message every worker but the quarantined one
p, app.api:*, process.send, app.workers:*, allow
p, app.api:*, process.send, app.workers:quarantined, deny
# operators may terminate workers
g, app.ops:*, operator
p, operator, process.terminate, app.workers:*, allow
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	g := policies.NewGuard(p, policies.DefaultCacheSize)

	send := policies.Request{
		Subject:   "app.api:gateway",
		Action:    policies.ActionSend,
		Resources: []string{"{app:processes|0x0001a.t1.n0}", "app.workers:handler"}, // the PID and its source ID
	}
	fmt.Println(g.Check(send))

	send.Resources = []string{"{app:processes|0x0001b.t1.n0}", "app.workers:quarantined"}
	err = g.Check(send)
	fmt.Println(err, errors.Is(err, policies.ErrDenied))
	fmt.Println(g.Explain(send))

	stop := policies.Request{Subject: "app.ops:console", Action: policies.ActionTerminate, Resources: []string{"app.workers:handler"}}
	fmt.Println(g.Explain(stop))
	// Output:
	// <nil>
	// permission denied: process.send on {app:processes|0x0001b.t1.n0} for app.api:gateway true
	// deny: line 4 (p, app.api:*, process.send, app.workers:quarantined, deny) for app.api:gateway on app.workers:quarantined
	// allow: line 7 (p, operator, process.terminate, app.workers:*, allow) for app.ops:console on app.workers:handler
}

func ExampleParse_errors() {
	_, err := policies.Parse("policy.csv", []byte(`p, app.api:*, process.send, app.workers:*, allow
, app.api:*, process.send, **, deny
p, app.api:*, process.sned, app.db:*, allow
p, app.api:*, process.call, [app.jobs:*, permit
`))
	fmt.Println(err)
	// Output:
	// policy.csv:2: the line starts with a comma; it must start with p or g (p, SUBJECT, ACTION, RESOURCE, EFFECT or g, SUBJECT, ROLE)
	// policy.csv:3: unknown action "process.sned"; the actions are process.spawn, process.spawn.monitored, process.spawn.linked, process.host, process.send, process.call, process.terminate, process.cancel, process.monitor, process.unmonitor, process.link, process.unlink, process.context, process.security, process.registry.register, process.registry.unregister
	// policy.csv:4: RESOURCE: bad pattern "[app.jobs:*": a [ without its ], or an empty class []; write \[ for a [ itself
	// policy.csv:4: EFFECT is "permit"; it must be allow or deny
}

func ExampleSpawn() {
	p, _ := policies.Parse("policy.csv", []byte(`p, app.api:*, process.spawn*, app.workers:*, allow
p, app.api:*, process.host, app:processes, allow
`))
	g := policies.NewGuard(p, policies.DefaultCacheSize)
	by := policies.Request{Subject: "app.api:gateway"}

	fmt.Println(g.CheckAll(policies.Spawn{Source: "app.workers:handler", Host: "app:processes", Linked: true}.Requests(by)))
	fmt.Println(g.CheckAll(policies.Spawn{Source: "app.workers:handler", Host: "app:processes", Security: true}.Requests(by)))
	// Output:
	// <nil>
	// permission denied: process.security on security for app.api:gateway
}
