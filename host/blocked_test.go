package host

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// blockedSoon polls rt.Blocked until it says true or the hang guard runs
// out (no wall-clock figure is asserted).
func blockedSoon(rt *Runtime) bool {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if rt.Blocked() {
			return true
		}
	}
	return false
}

// TestBlocked: a runtime whose processes all wait on each other is blocked;
// one with a pending timer, a runnable process, or none at all is not; a
// message from outside unblocks it.
func TestBlocked(t *testing.T) {
	bundle := writeBundle(t, map[string]string{
		"waiter.lua": `return function()
			local child = assert(process.spawn("echo", "app:processes"))
			local msg = process.inbox():receive()
			return msg:topic()
		end`,
		"echo.lua":    `return function() process.inbox():receive() end`,
		"sleeper.lua": `return function() time.sleep(1000) process.inbox():receive() end`,
		"busy.lua":    `return function() local n = 0 while true do n = n + 1 end end`,
	})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			rt, ten, _ := newTestRuntime(t, m.native, 2, bundle)
			if rt.Blocked() {
				t.Fatal("a runtime without processes is blocked")
			}
			pid, exit, err := ten.Spawn("waiter", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !blockedSoon(rt) {
				t.Fatal("two processes waiting on their inboxes: never blocked")
			}
			report := rt.Report()
			if len(report) != 2 || report[0].PID != pid || report[0].Source != "waiter" || report[1].Source != "echo" {
				t.Fatalf("report %+v, want waiter then echo", report)
			}
			for _, p := range report {
				if !slices.Equal(p.Waits, []string{"receive on its inbox"}) || p.Tenant != "test" {
					t.Errorf("report of %s: %+v, want one task receiving on its inbox", p.Source, p)
				}
			}
			// Something from outside unblocks it.
			if err := ten.Send(pid, "wake", nil); err != nil {
				t.Fatal(err)
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatalf("waiter: %+v", e)
			}

			// A sleeping process is not blocked while its timer is pending
			// (it is after it, once it waits on its inbox).
			_, _, err = ten.Spawn("sleeper", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
			if rt.Blocked() {
				t.Error("blocked while a process sleeps")
			}
			if !blockedSoon(rt) {
				t.Error("never blocked after the sleep")
			}

			// A computing process is never blocked.
			if _, _, err := ten.Spawn("busy", DefaultHost, nil); err != nil {
				t.Fatal(err)
			}
			for range 20 {
				if rt.Blocked() {
					t.Fatal("blocked while a process computes")
				}
				time.Sleep(time.Millisecond)
			}
			var busy []string
			for _, p := range rt.Report() {
				if p.Source == "busy" {
					busy = p.Waits
				}
			}
			if len(busy) != 1 || (busy[0] != "runnable" && busy[0] != "running") {
				t.Errorf("busy waits on %q, want runnable", busy)
			}
		})
	}
}

// TestExitedHook: Config.Exited hears every exit, normal and abnormal, with
// tenant, PID and source.
func TestExitedHook(t *testing.T) {
	bundle := writeBundle(t, map[string]string{
		"main.lua": `return function()
			local c = assert(process.spawn_monitored("fails", "app:processes"))
			process.events():receive()
			return "ok"
		end`,
		"fails.lua": `return function() error("boom") end`,
	})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var mu sync.Mutex
			var seen []string
			cfg := Config{Shards: 2, Exited: func(tenant, pid, source string, e Exit) {
				mu.Lock()
				defer mu.Unlock()
				if e.PID != pid || !strings.HasPrefix(pid, "{app:processes|") {
					t.Errorf("Exited(%s, %s, %s, %+v): PIDs differ", tenant, pid, source, e)
				}
				how := "normal"
				if e.Abnormal {
					how = "abnormal " + e.Error
				}
				seen = append(seen, tenant+" "+source+" "+how)
			}}
			if !m.native {
				cfg.Engine = testEngine(t)
			}
			rt := New(cfg)
			defer rt.Close()
			ten, err := rt.AddTenant(TenantConfig{Name: "hooked", Bundle: bundle, Native: m.native})
			if err != nil {
				t.Fatal(err)
			}
			if e := run(t, ten, "main"); e.Abnormal {
				t.Fatalf("main: %+v", e)
			}
			// Exited runs after the exit channel hears of it.
			for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
				mu.Lock()
				n := len(seen)
				mu.Unlock()
				if n >= 2 {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			// The two exits run on their own shards: either may be heard first.
			slices.Sort(seen)
			if len(seen) != 2 || !strings.HasPrefix(seen[0], "hooked fails abnormal fails:1: boom") || seen[1] != "hooked main normal" {
				t.Errorf("Exited saw %q", seen)
			}
		})
	}
}
