package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSaaSExample runs the three tenants of examples/saas in one runtime:
// each keeps to its policy, and the intruder reaches nothing of the others.
func TestSaaSExample(t *testing.T) {
	for _, mode := range [][]string{nil, {"--native"}} {
		args := append(append([]string{"run"}, mode...), "../../examples/saas")
		r := runInProcess(t, args)
		if r.code != exitOK {
			t.Fatalf("moonbox %q: exit %d\nstdout:\n%s\nstderr:\n%s", args, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			`acme: {"tenant":"acme","total":30}`,
			`globex: {"refused":["PERMISSION_DENIED","PERMISSION_DENIED"],"tenant":"globex"}`,
			`intruder: {"attempts":108,"not_found":108,"tenant":"intruder"}`,
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("moonbox %q: stdout lacks %s:\n%s", args, want, r.stdout)
			}
		}
	}
}

// TestPolicyCommand: check reports every problem with its line; explain
// names the deciding rule; exit codes say allowed (0) or denied (1).
func TestPolicyCommand(t *testing.T) {
	r := runInProcess(t, []string{"policy", "check", "../../examples/saas/acme"})
	if r.code != exitOK || !strings.Contains(r.stdout, "ok") {
		t.Errorf("policy check acme: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runInProcess(t, []string{"policy", "explain", "../../examples/saas/acme", "client", "process.terminate", "api"})
	if r.code != exitAbnormal || !strings.Contains(r.stdout, "deny") || !strings.Contains(r.stdout, "line 12") {
		t.Errorf("policy explain (deny): %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runInProcess(t, []string{"policy", "explain", "../../examples/saas/acme", "client", "process.send", "api"})
	if r.code != exitOK || !strings.Contains(r.stdout, "allow") {
		t.Errorf("policy explain (allow): %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runInProcess(t, []string{"policy", "check", "testdata/notlua.txt"})
	if r.code == exitOK {
		t.Errorf("policy check of a non-policy: exit 0")
	}
	// Application actions (security.can) are explained like the runtime's.
	const app = "../../host/testdata/conformance/policies/wippy_security_can.csv"
	r = runInProcess(t, []string{"policy", "explain", app, "user:alice", "invoice.write", "invoices/locked"})
	if r.code != exitAbnormal || !strings.Contains(r.stdout, "deny: line 8") {
		t.Errorf("policy explain of an application action (deny): %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runInProcess(t, []string{"policy", "explain", app, "user:alice", "invoice.void", "invoices/2"})
	if r.code != exitOK || !strings.Contains(r.stdout, "allow: line 7") {
		t.Errorf("policy explain of an application action (allow): %d %q %q", r.code, r.stdout, r.stderr)
	}
	typo := filepath.Join(t.TempDir(), "typo.csv")
	if err := os.WriteFile(typo, []byte("p, a, invoice.read, x, allow\np, a, proces.send, x, allow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runInProcess(t, []string{"policy", "check", typo})
	if r.code == exitOK || !strings.Contains(r.stderr, "typo.csv:2: unknown action \"proces.send\"; did you mean process.send?") {
		t.Errorf("policy check of a misspelt runtime action: %d %q %q", r.code, r.stdout, r.stderr)
	}
}
