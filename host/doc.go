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
// Applications use the module root's package (moonbox), which loads
// tenant bundles with their configs and policies; this package is its
// machinery. ExampleRuntime shows it used directly.
package host
