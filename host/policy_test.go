package host

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestPolicyEnforced runs testdata/policy: every action of the permission table
// is allowed once (for main) and denied once (for target) through real Lua
// calls, sandboxed and native.
func TestPolicyEnforced(t *testing.T) {
	policy, err := policies.Load("testdata/policy/policy.csv")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := tenants.OpenBundle("testdata/policy")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			logs := &logLines{}
			cfg := Config{Shards: 2, Log: logs.add}
			if !m.native {
				cfg.Engine = testEngine(t)
			}
			rt := New(cfg)
			defer rt.Close()
			ten, err := rt.AddTenant(TenantConfig{Name: "guarded", Bundle: bundle, Native: m.native, Policy: policy})
			if err != nil {
				t.Fatal(err)
			}
			_, exit, err := ten.Spawn("main", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatalf("%s: %s\n%s", e.Kind, e.Error, logs)
			}
		})
	}
}

// TestPolicyRevocation: once SetPolicy returns, a send the old policy
// allowed is denied, and nothing is delivered.
func TestPolicyRevocation(t *testing.T) {
	allow, err := policies.Parse("allow", []byte("p, *, process.*, **, allow\n"))
	if err != nil {
		t.Fatal(err)
	}
	deny, err := policies.Parse("deny", []byte("p, *, process.*, **, allow\np, *, process.send, **, deny\n"))
	if err != nil {
		t.Fatal(err)
	}
	bundle := writeBundle(t, map[string]string{
		"main.lua": `return function()
			local me, inbox = process.pid(), process.inbox()
			assert(process.send(me, "before", 1))
			assert(inbox:receive():topic() == "before")
			assert(process.registry.register("main"))
			-- the host probes until the name is there, revokes, then sends "go"
			repeat until inbox:receive():topic() == "go"
			local ok, err = process.send(me, "after", 2)
			assert(ok == nil and err:kind() == "PERMISSION_DENIED", "send after the revocation: " .. tostring(err))
			local r = channel.select { inbox:case_receive(), default = true }
			assert(r.default, "a denied message was delivered")
			return true
		end`,
	})
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			_, ten, logs := newTestRuntime(t, m.native, 1, bundle)
			ten.SetPolicy(allow)
			_, exit, err := ten.Spawn("main", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			for ten.Send("main", "probe", nil) != nil { // wait until it registered
				time.Sleep(time.Millisecond)
			}
			ten.SetPolicy(deny)
			if err := ten.Send("main", "go", nil); err != nil {
				t.Fatal(err)
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatalf("%s: %s\n%s", e.Kind, e.Error, logs)
			}
		})
	}
}

// TestWatchPolicy: a changed policy file takes effect; a malformed change is
// refused and the policy in force stays.
func TestWatchPolicy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.csv")
	write := func(text string) {
		// A distinct size makes the change visible even within one mtime
		// tick. Written aside and renamed into place: the watcher must not
		// read the file truncated but not yet written (it would rightly
		// warn "no rules", not about the line the test means).
		tmp := path + ".new"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
	}
	write("p, *, process.*, **, allow\n")
	warnings := make(chan string, 10)
	rt := New(Config{Shards: 1, Warn: func(_, m string) { warnings <- m }})
	defer rt.Close()
	p, err := policies.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := rt.AddTenant(TenantConfig{Name: "w", Bundle: writeBundle(t, map[string]string{"x.lua": "return function() end"}), Native: true, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	ten.WatchPolicy(path, 50*time.Millisecond)
	send := policies.Request{Subject: "a", Action: policies.ActionSend, Resources: []string{"b"}}
	eventually := func(what string, cond func() bool) {
		t.Helper()
		for i := 0; i < 2000 && !cond(); i++ {
			time.Sleep(5 * time.Millisecond)
		}
		if !cond() {
			t.Fatalf("%s never happened", what)
		}
	}
	write("p, *, process.*, **, allow\np, *, process.send, **, deny\n")
	renamed := time.Now()
	eventually("the revocation", func() bool { return !ten.Explain(send).Allowed })
	t.Logf("revoked %v after the rename", time.Since(renamed))
	write(", broken line\n")
	select {
	case w := <-warnings:
		if !strings.Contains(w, "starts with a comma") {
			t.Errorf("warning %q does not explain the problem", w)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a malformed policy file was not reported")
	}
	if ten.Explain(send).Allowed {
		t.Fatal("a malformed file replaced the policy in force")
	}
}

// TestWatchPolicyInPlaceRewrite: a policy file rewritten in place (truncated,
// then written slowly) is never taken half-written, though its first half
// parses: the watcher waits for the file to be quiet. The half here allows
// spawning, which neither the old nor the new policy does.
func TestWatchPolicyInPlaceRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.csv")
	if err := os.WriteFile(path, []byte("p, *, process.*, **, allow\np, *, process.spawn, **, deny\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rt := New(Config{Shards: 1, Warn: func(_, m string) { t.Logf("warning: %s", m) }})
	defer rt.Close()
	p, err := policies.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := rt.AddTenant(TenantConfig{Name: "w", Bundle: writeBundle(t, map[string]string{"x.lua": "return function() end"}), Native: true, Policy: p})
	if err != nil {
		t.Fatal(err)
	}
	const settle = 300 * time.Millisecond
	ten.WatchPolicy(path, settle)
	spawn := policies.Request{Subject: "a", Action: policies.ActionSpawn, Resources: []string{"x"}}
	send := policies.Request{Subject: "a", Action: policies.ActionSend, Resources: []string{"b"}}
	if ten.Explain(spawn).Allowed || !ten.Explain(send).Allowed {
		t.Fatal("the first policy is not in force")
	}
	halfSeen := make(chan bool, 1)
	stop := make(chan struct{})
	go func() { // watches for the half file's policy the whole time
		seen := false
		for {
			select {
			case <-stop:
				halfSeen <- seen
				return
			default:
			}
			seen = seen || ten.Explain(spawn).Allowed
			time.Sleep(200 * time.Microsecond)
		}
	}()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Written slowly, in pieces a quarter of the settle time apart: the half
	// "p, *, process.*, **, allow" (and comments) stands alone for twice the
	// settle time, long enough for a poller to read it.
	pieces := []string{"p, *, process.*, **, allow\n"}
	for i := range 8 {
		pieces = append(pieces, fmt.Sprintf("# comment %d\n", i))
	}
	pieces = append(pieces, "p, *, process.spawn, **, deny\n", "p, *, process.send, **, deny\n")
	for _, piece := range pieces {
		time.Sleep(settle / 4)
		if _, err := f.WriteString(piece); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000 && ten.Explain(send).Allowed; i++ {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	if <-halfSeen {
		t.Fatal("the half-written file was put in force: spawning was allowed")
	}
	if ten.Explain(send).Allowed || ten.Explain(spawn).Allowed {
		t.Fatal("the rewritten file never took effect")
	}
}
