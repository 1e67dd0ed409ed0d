package host

import (
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// TestPolicyEnforced runs testdata/policy: every action of the seed's table
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
