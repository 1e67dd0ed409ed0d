// Package host is the Moonbox runtime: PIDs, the process table, mailboxes,
// links and monitors, the name registry, the sharded scheduler, and the
// implementation of every ABI import.
//
// A process lives in the instance of its tenant's shard, shard =
// xxhash(pid) % shards. Each shard is one goroutine that steps the instances
// it owns: it hands an instance the records queued for it (starts, messages,
// events, kills) and lets the instance run until its processes block or its
// turn's instruction budget is spent. Imports never block: a send appends a
// record to the destination instance's queue and schedules that instance on
// its shard. There is no host goroutine per process.
//
//	rt, _ := host.New(host.Config{})
//	t, _ := rt.AddTenant(host.TenantConfig{Name: "demo", Bundle: bundle})
//	pid, exit, _ := t.Spawn("main", host.DefaultHost)
//	fmt.Println(<-exit)
package host
