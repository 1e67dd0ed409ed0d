// math.randomseed seeds math/rand's global source, in native mode as in the
// sandbox's guest; Go 1.24+ ignores rand.Seed unless told otherwise.
//go:debug randseednop=0

// Command moonbox runs tenants' Lua actors in wasm sandboxes.
//
//	moonbox run [flags] BUNDLE_DIR [PROCESS_ID [ARG...]]
//	moonbox run [flags] FILE.lua [ARG...]
//	moonbox serve [--config FILE] [--listen ADDR] [--data DIR] [--grace D]
//	moonbox deploy [--server URL] [--token-file FILE] DIR
//	moonbox policy check|explain ...
//	moonbox bench [--json] [--quick] [--shards N] [WORKLOAD...]
//	moonbox stress [--json] [--duration D] [--quick] [ATTACK...]
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `usage: moonbox <command> [arguments]

commands:
  run     run a process of a bundle and print its exit value
  serve   serve tenants over HTTP: deploy, ingress, metrics (the multi-tenant server)
  deploy  upload a tenant bundle to a running server
  policy  check a tenant's policy, or explain a decision
  bench   run the benchmarks, sandboxed and native side by side
  stress  run a well-behaved tenant next to each hostile tenant and check isolation
  version print the version

Run 'moonbox <command> -h' for a command's flags.
`

// Exit codes of the CLI.
const (
	exitOK       = 0
	exitAbnormal = 1   // the process exited abnormally
	exitUsage    = 2   // bad command line or bundle
	exitBlocked  = 3   // every process is blocked: none can ever run again
	exitTimeout  = 124 // --timeout expired (as timeout(1))
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "serve":
		return cmdServe(args[1:], stdout, stderr)
	case "deploy":
		return cmdDeploy(args[1:], stdout, stderr)
	case "policy":
		return cmdPolicy(args[1:], stdout, stderr)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	case "stress":
		return cmdStress(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "moonbox", version)
		return exitOK
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "moonbox: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

const version = "0.1.0-dev"

// parseFlags parses a command's flags. When it returns ok false the command
// ends with code: 0 after -h (the usage was printed), 2 for a bad flag.
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}
