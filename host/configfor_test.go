package host

import (
	"testing"

	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// ConfigFor carries the policy tenant.yaml names: the obvious path from a
// bundle to a tenant must not run it with everything allowed.
func TestConfigForLoadsThePolicy(t *testing.T) {
	conf, err := tenants.LoadConfig("../examples/saas/acme")
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := tenants.OpenBundle(conf.Dir)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := ConfigFor(conf, bundle)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Policy == nil {
		t.Fatal("no policy")
	}
	d := tc.Policy.Decide(policies.Request{Subject: "client", Action: policies.ActionTerminate, Resources: []string{"api"}})
	if d.Allowed {
		t.Errorf("client may terminate api: %v", d)
	}
}
