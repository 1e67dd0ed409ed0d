package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

const runSynopsis = `usage: moonbox run [flags] BUNDLE_DIR [PROCESS_ID [ARG...]]
       moonbox run [flags] FILE.lua [ARG...]
`

const runUsage = runSynopsis + `
Spawns PROCESS_ID (default main) of the bundle on host app:processes with the
ARGs as strings, prints what its processes print, and its exit value as one
JSON line. For a single .lua file the file is the process: every argument
after it is an ARG. A directory whose subdirectories are tenant bundles (with
tenant.yaml) runs them all in one runtime.

Flags may stand anywhere before a --; everything after -- is taken as written
(an ARG that starts with -: moonbox run BUNDLE main -- -5).

Exit codes: 0 normal exit, 1 abnormal exit, 2 usage or bundle error, 3 every
process blocked (none can ever run again), 124 --timeout expired.

flags:
`

// cmdRun is `moonbox run`: spawn one process on app:processes with the
// arguments as strings, stream its tenant's print output to stdout, and
// report its exit.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	fs.IntVar(&o.shards, "shards", 0, "scheduler shards (default: number of CPUs)")
	fs.DurationVar(&o.timeout, "timeout", 0, "give up after this long (exit 124); 0 waits forever")
	fs.BoolVar(&o.native, "native", false, "run without the wasm sandbox (trusted code only)")
	fs.BoolVar(&o.quiet, "quiet", false, "do not report the abnormal exits of processes other than the one started")
	policyFile := fs.String("policy", "", "permission policy file (overrides tenant.yaml's policy)")
	fs.Usage = func() {
		fmt.Fprint(stderr, runUsage)
		fs.PrintDefaults()
	}
	positional, code, ok := parseInterspersed(fs, args, runSynopsis, stderr)
	if !ok {
		return code
	}
	if len(positional) < 1 {
		fs.Usage()
		return exitUsage
	}
	if dirs := tenantDirs(positional[0]); len(dirs) > 0 {
		id, rest := "main", positional[1:]
		if len(rest) > 0 {
			id, rest = rest[0], rest[1:]
		}
		return runTenants(dirs, id, rest, o, stdout, stderr)
	}
	dir, id, rest, err := resolveBundle(positional[0], positional[1:])
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %v\n", err)
		return exitUsage
	}
	var outMu sync.Mutex
	w := newWatcher(stderr, &outMu, o.quiet, false)
	rt := host.New(host.Config{
		Shards: o.shards,
		Log: func(_, _, line string) {
			outMu.Lock()
			fmt.Fprintln(stdout, line)
			outMu.Unlock()
		},
		Exited: w.exited,
	})
	defer rt.Close()
	tenant, err := addTenant(rt, dir, *policyFile, o.native)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %v\n", err)
		return exitUsage
	}
	exit, err := w.spawn(tenant, id, rest)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %s\n", sourceInBundle(dir, err.Error()))
		return exitUsage
	}
	var expired <-chan time.Time
	if o.timeout > 0 {
		timer := time.NewTimer(o.timeout)
		defer timer.Stop()
		expired = timer.C
	}
	stop := make(chan struct{})
	defer close(stop)
	select {
	case e := <-exit:
		// Stop every other process first: the exit line is the last line.
		rt.Close()
		outMu.Lock()
		defer outMu.Unlock()
		if e.Abnormal {
			fmt.Fprintf(stderr, "moonbox: %s exited abnormally: %s\n", id, kindAndError(e))
			return exitAbnormal
		}
		line, err := exitJSON(e.Value)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox: exit value: %v\n", err)
			return exitAbnormal
		}
		if line != "null" {
			fmt.Fprintln(stdout, line)
		}
		return exitOK
	case <-blocked(rt, stop):
		outMu.Lock()
		fmt.Fprintln(stderr, blockedMessage)
		outMu.Unlock()
		w.report(rt)
		return exitBlocked
	case <-expired:
		outMu.Lock()
		fmt.Fprintf(stderr, "moonbox: %s still running after %s\n", id, o.timeout)
		outMu.Unlock()
		w.report(rt)
		return exitTimeout
	}
}

// sourceInBundle makes a message that starts with a source's path in the
// bundle (a syntax error: "broken/syntax.lua:3:13: ...") name the file as
// the user can open it, from where they ran the command.
func sourceInBundle(dir, msg string) string {
	path, rest, ok := strings.Cut(msg, ".lua:")
	if !ok || strings.ContainsAny(path, " \t") || filepath.IsAbs(path) {
		return msg
	}
	return filepath.Join(dir, path) + ".lua:" + rest
}

// addTenant loads the bundle in dir into rt. A bundle with a tenant.yaml runs
// as that tenant, under its policy; one without runs as "default" with
// default limits and everything allowed inside it. policyFile, if set,
// replaces the policy. The policy file is watched and reloaded on change.
func addTenant(rt *host.Runtime, dir, policyFile string, native bool) (*host.Tenant, error) {
	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		return nil, err
	}
	tc := host.TenantConfig{Name: "default", Bundle: bundle}
	policyPath := ""
	if conf, err := tenants.LoadConfig(dir); err == nil {
		if tc, err = host.ConfigFor(conf, bundle); err != nil {
			return nil, err
		}
		policyPath = conf.Policy
	} else if !errors.Is(err, tenants.ErrNoConfig) {
		return nil, err
	}
	tc.Native = tc.Native || native
	if policyFile != "" {
		policyPath = policyFile
	}
	if policyPath != "" {
		if tc.Policy, err = policies.Load(policyPath); err != nil {
			return nil, err
		}
	}
	t, err := rt.AddTenant(tc)
	if err != nil {
		return nil, err
	}
	if policyPath != "" {
		t.WatchPolicy(policyPath, time.Second)
	}
	return t, nil
}

// runOptions are the flags of run that apply to every tenant.
type runOptions struct {
	shards  int
	timeout time.Duration
	native  bool
	quiet   bool
}

// resolveBundle turns the positional arguments into a bundle directory, a
// process ID and the process's arguments. A directory is the bundle,
// followed by an optional PROCESS_ID (default main). A .lua file's directory
// is the bundle and its base name the process ID, so everything after it is
// arguments.
func resolveBundle(arg string, after []string) (dir, id string, args []string, err error) {
	st, err := os.Stat(arg)
	if err != nil {
		return "", "", nil, fmt.Errorf("bundle %s: %w", arg, errors.Unwrap(err))
	}
	if st.IsDir() {
		id = "main"
		if len(after) > 0 {
			id, after = after[0], after[1:]
		}
		return arg, id, after, nil
	}
	if !strings.HasSuffix(arg, ".lua") {
		return "", "", nil, fmt.Errorf("bundle %s: not a directory or a .lua file", arg)
	}
	return filepath.Dir(arg), strings.TrimSuffix(filepath.Base(arg), ".lua"), after, nil
}
