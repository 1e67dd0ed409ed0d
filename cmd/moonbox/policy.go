package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/moonbox-runtime/moonbox/policies"
	"github.com/moonbox-runtime/moonbox/tenants"
)

const policySynopsis = `usage: moonbox policy check [--strict] BUNDLE|POLICY_FILE
       moonbox policy explain BUNDLE|POLICY_FILE SUBJECT ACTION RESOURCE [SCOPE,...]
`

const policyUsage = policySynopsis + `
check reports every problem of a tenant's policy with its line, and warns
about rules that can never match the bundle: a SUBJECT that is no source ID,
no role and no string of the bundle's Lua sources (mian for main), a RESOURCE
that is nothing its action checks. With --strict warnings are problems, and so
is a tenant without a policy (every process may do everything inside it).
Given a policy file, check finds the bundle whose tenant.yaml names it, in the
file's directory or above; without one it checks the file alone and says so.

explain answers whether a request is allowed and which rule decides it. An
action inside process.* that is not one of the runtime's is a typo; any other
action is the application's own (security.can). See docs/PERMISSIONS.md.

Exit codes: 0 ok (explain: allowed), 1 problems found (explain: denied),
2 usage error (bad arguments, a path that is neither bundle nor policy file).
`

// cmdPolicy is `moonbox policy check` and `moonbox policy explain`.
func cmdPolicy(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, policyUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, policyUsage)
		return exitOK
	case "check", "explain":
	default:
		fmt.Fprintf(stderr, "moonbox policy: unknown subcommand %q\n\n%s", args[0], policyUsage)
		return exitUsage
	}
	fs := flag.NewFlagSet("policy "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, policyUsage) }
	strict := false
	if args[0] == "check" {
		fs.BoolVar(&strict, "strict", false, "count warnings as problems; a tenant without a policy is one")
	}
	positional, code, ok := parseInterspersed(fs, args[1:], policySynopsis, stderr)
	if !ok {
		return code
	}
	if args[0] == "check" {
		if len(positional) != 1 {
			fmt.Fprint(stderr, policyUsage)
			return exitUsage
		}
		return policyCheck(positional[0], strict, stdout, stderr)
	}
	if len(positional) != 4 && len(positional) != 5 {
		fmt.Fprint(stderr, policyUsage)
		return exitUsage
	}
	return policyExplain(positional, stdout, stderr)
}

// policyTarget is what a policy command works on: a policy and, when it is
// known, the bundle around it.
type policyTarget struct {
	path   string           // the policy file as the user reads it; "" for a bundle without one
	policy *policies.Policy // nil when it did not parse
	conf   *tenants.Config  // nil when no tenant.yaml names the file
	bundle string           // the bundle directory as given or found
	note   string           // why the bundle's context is missing, for a policy file alone
}

// errUsage marks a path that is neither a bundle nor a policy file.
var errUsage = errors.New("usage")

// loadTarget resolves a BUNDLE|POLICY_FILE argument. A malformed policy or
// tenant.yaml is a problem (returned as err, with usage false); a path that
// is not there or is neither is a usage error.
func loadTarget(path string) (t policyTarget, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return t, fmt.Errorf("%w: %s: %v", errUsage, path, errors.Unwrap(err))
	}
	if st.IsDir() {
		conf, err := tenants.LoadConfig(path)
		if errors.Is(err, tenants.ErrNoConfig) {
			return t, fmt.Errorf("%w: %s has no %s: give a tenant bundle or a policy file", errUsage, path, tenants.ConfigFile)
		}
		if err != nil {
			return t, err
		}
		t.conf, t.bundle = conf, path
		if conf.Policy == "" {
			t.policy = policies.AllowAll()
			return t, nil
		}
		t.path = conf.Policy
		if rel, err := filepath.Rel(conf.Dir, conf.Policy); err == nil {
			t.path = filepath.Join(path, rel)
		}
	} else {
		t.path = path
		t.conf, t.bundle, t.note = bundleAround(path)
	}
	t.policy, err = policies.Load(t.path)
	return t, err
}

// bundleAround finds the bundle whose tenant.yaml names the policy file at
// path, looking in its directory and then above. note says why none was used.
func bundleAround(path string) (conf *tenants.Config, dir, note string) {
	abs, err := filepath.Abs(path)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return nil, "", fmt.Sprintf("cannot resolve %s: %v", path, err)
	}
	shown := filepath.Dir(path)
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, tenants.ConfigFile)); err == nil {
			c, err := tenants.LoadConfig(d)
			switch {
			case err != nil:
				return nil, "", fmt.Sprintf("%s does not load (%v): the file is checked alone, not against its bundle", filepath.Join(shown, tenants.ConfigFile), firstLine(err))
			case c.Policy != abs:
				return nil, "", fmt.Sprintf("%s does not name this file as its policy: the file is checked alone, not against that bundle", filepath.Join(shown, tenants.ConfigFile))
			}
			return c, shown, ""
		}
		if parent := filepath.Dir(d); parent == d {
			break
		}
		shown = filepath.Join(shown, "..")
	}
	return nil, "", fmt.Sprintf("no %s names this file (in its directory or above): the file is checked alone, without a bundle's sources and hosts", tenants.ConfigFile)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// policyCheck is `moonbox policy check`.
func policyCheck(path string, strict bool, stdout, stderr io.Writer) int {
	t, err := loadTarget(path)
	if errors.Is(err, errUsage) {
		fmt.Fprintf(stderr, "moonbox policy check: %s\n", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitAbnormal
	}
	if t.note != "" {
		fmt.Fprintf(stderr, "%s: note: %s\n", t.path, t.note)
	}
	var warnings []string
	if t.path == "" {
		if strict {
			warnings = append(warnings, fmt.Sprintf("%s: warning: tenant %s has no policy: every process may do everything inside the tenant (name a policy file with policy: in %s)",
				filepath.Join(t.bundle, tenants.ConfigFile), t.conf.Name, tenants.ConfigFile))
		}
	} else if t.conf != nil {
		facts, err := bundleFacts(t.bundle, t.conf)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox policy check: %v\n", err)
			return exitUsage
		}
		for _, p := range t.policy.Lint(facts) {
			warnings = append(warnings, fmt.Sprintf("%s:%d: warning: %s", t.path, p.Line, p.Msg))
		}
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, w)
	}
	name := t.path
	if name == "" {
		name = filepath.Join(t.bundle, tenants.ConfigFile)
	}
	summary := strings.TrimPrefix(t.policy.String(), t.path+": ")
	switch {
	case len(warnings) > 0 && strict:
		fmt.Fprintf(stdout, "%s: %s (--strict)\n", name, plural(len(warnings), "problem", "problems"))
		return exitAbnormal
	case len(warnings) > 0:
		fmt.Fprintf(stdout, "%s: ok, %s (%s)\n", name, plural(len(warnings), "warning", "warnings"), summary)
	default:
		fmt.Fprintf(stdout, "%s: ok (%s)\n", name, summary)
	}
	return exitOK
}

// policyExplain is `moonbox policy explain`.
func policyExplain(args []string, stdout, stderr io.Writer) int {
	t, err := loadTarget(args[0])
	if errors.Is(err, errUsage) {
		fmt.Fprintf(stderr, "moonbox policy explain: %s\n", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitAbnormal
	}
	action := args[2]
	if suggestion, typo := policies.Typo(action); typo {
		hint := ""
		if suggestion != "" {
			hint = fmt.Sprintf("did you mean %s? ", suggestion)
		}
		fmt.Fprintf(stderr, "moonbox policy explain: unknown action %q: %sthe actions of process.* are %s (other namespaces are the application's own)\n",
			action, hint, strings.Join(policies.Actions(), ", "))
		return exitUsage
	}
	r := policies.Request{Subject: args[1], Action: action, Resources: []string{args[3]}}
	if len(args) == 5 {
		r.Scope = strings.Split(args[4], ",")
	}
	d := t.policy.Decide(r)
	fmt.Fprintln(stdout, d)
	if !d.Allowed {
		return exitAbnormal
	}
	return exitOK
}

// bundleFacts is what the bundle in dir offers a policy to match: its source
// IDs, its hosts and the string literals of its sources.
func bundleFacts(dir string, conf *tenants.Config) (policies.BundleFacts, error) {
	b, err := tenants.OpenBundle(dir)
	if err != nil {
		return policies.BundleFacts{}, err
	}
	ids, err := b.SourceIDs()
	if err != nil {
		return policies.BundleFacts{}, err
	}
	facts := policies.BundleFacts{Sources: ids, Hosts: conf.Hosts}
	for _, id := range ids {
		src, serr := b.Source(id)
		if serr != nil {
			continue // a broken source has no strings to offer; run says what is wrong with it
		}
		for _, m := range luaStringRE.FindAllStringSubmatch(src.Text, -1) {
			facts.Strings = append(facts.Strings, m[1]+m[2])
		}
	}
	slices.Sort(facts.Strings)
	facts.Strings = slices.Compact(facts.Strings)
	return facts, nil
}

// luaStringRE matches a short Lua string literal, quoted either way.
var luaStringRE = regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'`)
