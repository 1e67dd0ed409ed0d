package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// tenantDirs lists the subdirectories of dir that are tenant bundles (have a
// tenant.yaml), when dir itself is not a bundle. `moonbox run DIR` then runs
// them all in one runtime.
func tenantDirs(dir string) []string {
	if _, err := os.Stat(filepath.Join(dir, tenants.ConfigFile)); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "main.lua")); err == nil {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var dirs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), tenants.ConfigFile)); e.IsDir() && err == nil {
			dirs = append(dirs, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(dirs)
	return dirs
}

// runTenants loads every tenant bundle in dirs into one runtime, starts each
// one's process id, prefixes print output with the tenant's name, and prints
// each tenant's exit as `TENANT: JSON` (or its error on stderr).
func runTenants(dirs []string, id string, args []string, o runOptions, stdout, stderr io.Writer) int {
	var outMu sync.Mutex
	w := newWatcher(stderr, &outMu, o.quiet, true)
	rt := host.New(host.Config{
		Shards: o.shards,
		Log: func(tenant, _, line string) {
			outMu.Lock()
			fmt.Fprintf(stdout, "[%s] %s\n", tenant, line)
			outMu.Unlock()
		},
		Exited: w.exited,
	})
	defer rt.Close()
	type running struct {
		name string
		exit <-chan host.Exit
	}
	var all []running
	for _, dir := range dirs {
		ten, err := addTenant(rt, dir, "", o.native)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox: %v\n", err)
			return exitUsage
		}
		exit, err := w.spawn(ten, id, args)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox: tenant %s: %s\n", ten.Name(), sourceInBundle(dir, err.Error()))
			return exitUsage
		}
		all = append(all, running{ten.Name(), exit})
	}
	var expired <-chan time.Time
	if o.timeout > 0 {
		timer := time.NewTimer(o.timeout)
		defer timer.Stop()
		expired = timer.C
	}
	stop := make(chan struct{})
	defer close(stop)
	stuck := blocked(rt, stop)
	code := exitOK
	exits := make([]host.Exit, len(all))
	for i, r := range all {
		select {
		case exits[i] = <-r.exit:
		case <-stuck:
			outMu.Lock()
			fmt.Fprintln(stderr, blockedMessage)
			outMu.Unlock()
			w.report(rt)
			return exitBlocked
		case <-expired:
			outMu.Lock()
			fmt.Fprintf(stderr, "moonbox: tenant %s still running after %s\n", r.name, o.timeout)
			outMu.Unlock()
			w.report(rt)
			return exitTimeout
		}
	}
	rt.Close()
	outMu.Lock()
	defer outMu.Unlock()
	for i, e := range exits {
		if e.Abnormal {
			fmt.Fprintf(stderr, "moonbox: tenant %s: %s exited abnormally: %s\n", all[i].name, id, kindAndError(e))
			code = exitAbnormal
			continue
		}
		line, err := exitJSON(e.Value)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox: tenant %s: exit value: %v\n", all[i].name, err)
			code = exitAbnormal
			continue
		}
		fmt.Fprintf(stdout, "%s: %s\n", all[i].name, line)
	}
	return code
}
