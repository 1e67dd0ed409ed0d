// Package lab is Moonbox's measuring harness: the bench (`moonbox bench`:
// each workload sandboxed and native, side by side) and the stress run
// (`moonbox stress`: a well-behaved tenant next to each hostile one). The
// command line (cmd/moonbox's bench.go and stress.go) parses flags and calls
// Bench or Stress; everything else is here, a concept a file:
//
//   - the Lua side, embedded: workloads/ and stress/ (bundles.go);
//   - driving a tenant's processes from Go, placing them on shards
//     (runner.go; a workload's runtime in env.go);
//   - the workloads (workloads.go lists them; messaging.go, gocalls.go,
//     fib.go, coldstart.go, spawn.go run them) and the figures measured
//     outside Moonbox beside them (baseline.go);
//   - turning samples into figures (measure.go, values.go, machine.go);
//   - the stress scenario (scenario.go), its clock (clock.go), the attacks
//     (attacks.go) and the goals (judge.go);
//   - the tables (bench_report.go, stress_report.go).
//
// hostcall and gocall measure the public API (the module root) as an
// embedding application uses it; the rest drive the host package directly,
// for the reasons runner.go gives.
package lab
