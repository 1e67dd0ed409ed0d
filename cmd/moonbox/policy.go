package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// cmdPolicy is `moonbox policy check BUNDLE|FILE` and
// `moonbox policy explain BUNDLE|FILE SUBJECT ACTION RESOURCE [SCOPE,...]`.
func cmdPolicy(args []string, stdout, stderr io.Writer) int {
	usageText := `usage: moonbox policy check BUNDLE|POLICY_FILE
       moonbox policy explain BUNDLE|POLICY_FILE SUBJECT ACTION RESOURCE [SCOPE,...]

check lints a policy: every problem with its line. explain answers whether a
request is allowed and which rule decided it. BUNDLE is a tenant bundle whose
tenant.yaml names a policy file.
`
	if len(args) < 2 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	policy, name, err := loadPolicy(args[1])
	switch args[0] {
	case "check":
		if len(args) != 2 {
			fmt.Fprint(stderr, usageText)
			return exitUsage
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return exitAbnormal
		}
		fmt.Fprintf(stdout, "%s: ok (%s)\n", name, policy)
		return exitOK
	case "explain":
		if len(args) != 5 && len(args) != 6 {
			fmt.Fprint(stderr, usageText)
			return exitUsage
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			return exitUsage
		}
		r := policies.Request{Subject: args[2], Action: args[3], Resources: []string{args[4]}}
		if len(args) == 6 {
			r.Scope = strings.Split(args[5], ",")
		}
		d := policy.Decide(r)
		fmt.Fprintln(stdout, d)
		if !d.Allowed {
			return exitAbnormal
		}
		return exitOK
	}
	fmt.Fprintf(stderr, "moonbox policy: unknown subcommand %q\n\n%s", args[0], usageText)
	return exitUsage
}

// loadPolicy reads a policy file, or the policy a bundle's tenant.yaml names.
func loadPolicy(path string) (*policies.Policy, string, error) {
	if strings.HasSuffix(path, ".csv") || strings.HasSuffix(path, ".policy") {
		p, err := policies.Load(path)
		return p, path, err
	}
	conf, err := tenants.LoadConfig(path)
	if errors.Is(err, tenants.ErrNoConfig) {
		return nil, path, fmt.Errorf("%s: no tenant.yaml, and not a policy file (*.csv)", path)
	}
	if err != nil {
		return nil, path, err
	}
	if conf.Policy == "" {
		return policies.AllowAll(), filepath.Join(path, tenants.ConfigFile), nil
	}
	p, err := policies.Load(conf.Policy)
	return p, conf.Policy, err
}
