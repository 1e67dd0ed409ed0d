package host

import (
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
	ten.WatchPolicy(path, 5*time.Millisecond)
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
	eventually("the revocation", func() bool { return !ten.Explain(send).Allowed })
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
