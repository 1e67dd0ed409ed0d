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

// cmdRun is `moonbox run`: spawn one process on app:processes with the
// arguments as strings, stream its tenant's print output to stdout, and
// report its exit.
func cmdRun(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	shards := fs.Int("shards", 0, "scheduler shards (default: number of CPUs)")
	timeout := fs.Duration("timeout", 0, "give up after this long (exit 124); 0 waits forever")
	native := fs.Bool("native", false, "run without the wasm sandbox (trusted code only)")
	policyFile := fs.String("policy", "", "permission policy file (overrides tenant.yaml's policy)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: moonbox run [--shards N] [--timeout D] [--native] [--policy FILE] BUNDLE [PROCESS_ID] [ARG...]")
		fmt.Fprintln(stderr, "BUNDLE is a directory of Lua sources or a single .lua file; PROCESS_ID defaults to main.")
		fmt.Fprintln(stderr, "A directory whose subdirectories are tenant bundles (with tenant.yaml) runs them all in one runtime.")
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return exitUsage
	}
	if dirs := tenantDirs(fs.Arg(0)); len(dirs) > 0 {
		id, rest := "main", fs.Args()[1:]
		if len(rest) > 0 {
			id, rest = rest[0], rest[1:]
		}
		return runTenants(dirs, id, rest, runOptions{shards: *shards, timeout: *timeout, native: *native}, stdout, stderr)
	}
	dir, id, rest, err := resolveBundle(fs.Arg(0), fs.Args()[1:])
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %v\n", err)
		return exitUsage
	}
	var outMu sync.Mutex
	rt := host.New(host.Config{
		Shards: *shards,
		Log: func(_, _, line string) {
			outMu.Lock()
			fmt.Fprintln(stdout, line)
			outMu.Unlock()
		},
	})
	defer rt.Close()
	tenant, err := addTenant(rt, dir, *policyFile, *native)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %v\n", err)
		return exitUsage
	}
	_, exit, err := tenant.Spawn(id, host.DefaultHost, host.Args(rest...))
	if err != nil {
		fmt.Fprintf(stderr, "moonbox: %v\n", err)
		return exitUsage
	}
	var expired <-chan time.Time
	if *timeout > 0 {
		timer := time.NewTimer(*timeout)
		defer timer.Stop()
		expired = timer.C
	}
	select {
	case e := <-exit:
		// Stop every other process first: the exit line is the last line.
		rt.Close()
		outMu.Lock()
		defer outMu.Unlock()
		if e.Abnormal {
			fmt.Fprintf(stderr, "moonbox: %s exited abnormally: %s: %s\n", id, e.Kind, e.Error)
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
	case <-expired:
		fmt.Fprintf(stderr, "moonbox: %s still running after %s\n", id, *timeout)
		return exitTimeout
	}
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
		tc, policyPath = host.ConfigFor(conf, bundle), conf.Policy
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
		t.WatchPolicy(policyPath, time.Second) // a file written in place: taken after a quiet second
	}
	return t, nil
}

// runOptions are the flags of run that apply to every tenant.
type runOptions struct {
	shards  int
	timeout time.Duration
	native  bool
}

// resolveBundle turns the command line after the flags into a bundle
// directory, a process ID and the process's arguments. A directory is the
// bundle, followed by an optional PROCESS_ID (default main). A .lua file's
// directory is the bundle and its base name the process ID, so everything
// after it is arguments.
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
