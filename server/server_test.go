package server

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const examples = "../examples/saas-server"

// tarGzDir archives a bundle directory as `moonbox deploy` does.
func tarGzDir(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		tw.WriteHeader(&tar.Header{Name: rel, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// copyBundle copies an example bundle to a temporary directory and applies
// edits (file → new content, or a func of the old).
func copyBundle(t testing.TB, name string, edits map[string]func(string) string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(examples, name))); err != nil {
		t.Fatal(err)
	}
	for file, edit := range edits {
		path := filepath.Join(dir, file)
		old, _ := os.ReadFile(path)
		if err := os.WriteFile(path, []byte(edit(string(old))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type testServer struct {
	t     testing.TB
	s     *Server
	http  *httptest.Server
	admin string
	cfg   *Config
}

func newTestServer(t testing.TB, data string, edit func(*Config)) *testServer {
	t.Helper()
	cfg := DefaultConfig(t.TempDir())
	cfg.Data = data
	cfg.Ingress.Timeout = 2 * time.Second
	if edit != nil {
		edit(cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	s, _, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, s: s, http: httptest.NewServer(s.Handler()), admin: s.AdminTokenValue(), cfg: cfg}
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	if ts.http == nil {
		return
	}
	ts.http.Close()
	// mallory's services ignore CANCEL: they are terminated at the deadline
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	ts.s.Close(ctx)
	ts.http = nil
}

// do sends a request and returns the status and the body.
func (ts *testServer) do(method, path, token string, body []byte, header ...string) (int, string) {
	ts.t.Helper()
	req, _ := http.NewRequest(method, ts.http.URL+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (ts *testServer) deploy(dir string) (int, DeployResult, string) {
	ts.t.Helper()
	code, body := ts.do("POST", "/admin/tenants", ts.admin, tarGzDir(ts.t, dir))
	var res DeployResult
	json.Unmarshal([]byte(body), &res)
	return code, res, body
}

func (ts *testServer) call(tenant, token, path, body string) (int, string) {
	ts.t.Helper()
	return ts.do("POST", "/t/"+tenant+"/call/"+path, token, []byte(body))
}

func want(t testing.TB, what string, code int, body string, wantCode int, wantBody string) {
	t.Helper()
	if code != wantCode || !strings.Contains(body, wantBody) {
		t.Fatalf("%s: got %d %s\nwant %d containing %q", what, code, body, wantCode, wantBody)
	}
}

func TestAdminNeedsToken(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), nil)
	bundle := tarGzDir(t, filepath.Join(examples, "shop"))
	for _, tok := range []string{"", "wrong", ts.admin + "x", strings.ToUpper(ts.admin)} {
		for _, r := range []struct{ method, path string }{
			{"POST", "/admin/tenants"}, {"GET", "/admin/tenants"}, {"GET", "/admin/tenants/shop"},
			{"POST", "/admin/tenants/shop/rollback"}, {"DELETE", "/admin/tenants/shop"},
		} {
			code, body := ts.do(r.method, r.path, tok, bundle)
			want(t, r.method+" "+r.path+" with token "+tok, code, body, 401, "needs the admin token")
		}
	}
	code, body := ts.do("GET", "/admin/tenants", ts.admin, nil)
	want(t, "list", code, body, 200, `"tenants": []`)
	if entries, _ := os.ReadDir(filepath.Join(ts.cfg.Data, "tenants")); len(entries) != 0 {
		t.Errorf("something was stored: %v", entries)
	}
}

func TestDeployCallRedeployRollback(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), nil)
	code, shop, body := ts.deploy(filepath.Join(examples, "shop"))
	want(t, "deploy", code, body, 201, `"created": true`)
	if shop.Token == "" || shop.Version != 1 {
		t.Fatalf("deploy: %+v", shop)
	}
	tok := shop.Token

	code, body = ts.call("shop", tok, "api/quote", `{"items": [{"price": 2.5, "qty": 2}, {"price": 10}]}`)
	want(t, "quote", code, body, 200, `{"items":2,"net":15,"total":18,"vat":3}`)
	code, body = ts.do("POST", "/t/shop/call/api", tok, []byte(`{"items": []}`), TopicHeader, "quote")
	want(t, "topic in a header", code, body, 200, `"total":0`)
	code, body = ts.call("shop", tok, "api/nope", "")
	want(t, "an error object as the reply", code, body, 404, `"message": "no topic nope"`)
	code, body = ts.call("shop", tok, "api/quote", `[1, 2]`)
	want(t, "a bad request to the service", code, body, 400, `want {items`)
	code, body = ts.call("shop", tok, "ledger/total", "")
	want(t, "the policy keeps the ingress from the ledger", code, body, 403, `PERMISSION_DENIED`)
	code, body = ts.call("shop", tok, "nobody", "")
	want(t, "no such service", code, body, 404, `NOT_FOUND`)

	// A crashed service is restarted; its status says so.
	code, body = ts.call("shop", tok, "counter", "")
	want(t, "counter", code, body, 200, `"count":1`)
	code, body = ts.call("shop", tok, "counter/crash", "")
	want(t, "crash", code, body, 502, `asked to crash`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body = ts.call("shop", tok, "counter", "")
		if code == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want(t, "counter after its restart", code, body, 200, `"count":1`)
	code, body = ts.do("GET", "/admin/tenants/shop", ts.admin, nil)
	want(t, "show", code, body, 200, `"restarts": 1`)

	// Redeploy: new code for the services, the token kept.
	v2 := copyBundle(t, "shop", map[string]func(string) string{
		"app/api.lua": func(s string) string { return strings.Replace(s, "local VERSION = 1", "local VERSION = 2", 1) },
	})
	code, res, body := ts.deploy(v2)
	want(t, "redeploy", code, body, 200, `"version": 2`)
	if res.Token != "" || res.Previous != 1 {
		t.Fatalf("redeploy: %+v", res)
	}
	code, body = ts.call("shop", tok, "api/version", "")
	want(t, "version after the redeploy", code, body, 200, `{"version":2}`)

	// A refused redeploy changes nothing.
	broken := copyBundle(t, "shop", map[string]func(string) string{
		"app/api.lua": func(string) string { return "return function( end" },
	})
	code, _, body = ts.deploy(broken)
	want(t, "a broken redeploy", code, body, 400, `"app/api.lua:1:20: syntax error`)
	if strings.Contains(body, os.TempDir()) {
		t.Errorf("the answer shows the server's paths: %s", body)
	}
	code, body = ts.call("shop", tok, "api/version", "")
	want(t, "version after a refused redeploy", code, body, 200, `{"version":2}`)

	// Rollback, and back again.
	code, body = ts.do("POST", "/admin/tenants/shop/rollback", ts.admin, nil)
	want(t, "rollback", code, body, 200, `"version": 1`)
	code, body = ts.call("shop", tok, "api/version", "")
	want(t, "version after the rollback", code, body, 200, `{"version":1}`)
	code, body = ts.do("POST", "/admin/tenants/shop/rollback", ts.admin, nil)
	want(t, "rollback of the rollback", code, body, 200, `"version": 2`)

	// Metrics: per tenant, per service, no PIDs.
	code, body = ts.do("GET", "/metrics", "", nil)
	for _, m := range []string{
		`moonbox_tenant_processes{tenant="shop"}`, `moonbox_service_restarts_total{service="counter",tenant="shop"} 1`,
		`moonbox_service_state{service="api",state="running",tenant="shop"} 1`, `moonbox_ingress_requests_total{code="403",tenant="shop"} 1`,
		`moonbox_call_seconds_count{tenant="shop"}`, `moonbox_policy_denials_total{tenant="shop"} 1`, `moonbox_tenant_guest_heap_bytes{tenant="shop"}`,
		`moonbox_spawns_total{tenant="shop"}`, `moonbox_messages_total{tenant="shop"}`, `moonbox_instructions_total{tenant="shop"}`,
		`moonbox_abnormal_exits_total{tenant="shop"} 1`,
	} {
		want(t, "metrics", code, body, 200, m)
	}
	if strings.Contains(body, "pid=") || strings.Contains(body, "{app:") {
		t.Error("a PID in the metrics")
	}

	// Undeploy: gone, its token with it, its data deleted.
	code, body = ts.do("DELETE", "/admin/tenants/shop", ts.admin, nil)
	want(t, "undeploy", code, body, 204, "")
	code, body = ts.call("shop", tok, "api/version", "")
	want(t, "a call after the undeploy", code, body, 404, "no such tenant for this token")
	if _, err := os.Stat(filepath.Join(ts.cfg.Data, "tenants", "shop")); !os.IsNotExist(err) {
		t.Errorf("the undeployed tenant's data is left: %v", err)
	}
	code, body = ts.do("DELETE", "/admin/tenants/shop", ts.admin, nil)
	want(t, "a second undeploy", code, body, 404, "no such tenant")
}

func TestDeployRefused(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), func(c *Config) {
		c.Uploads.MaxSize = 256 << 10
	})
	tests := []struct {
		name string
		body []byte
		code int
		want string
	}{
		{"not an archive", []byte("hello"), 400, "not a .tar.gz"},
		{"path traversal", tarGz(t, entry{name: "../../etc/cron.d/x", body: "x"}), 400, "leaves the bundle directory"},
		{"a symlink", tarGz(t, entry{name: "tenant.yaml", typ: tar.TypeSymlink, link: "/etc/passwd"}), 400, "links are not allowed"},
		{"too large", bytes.Repeat([]byte{0x1f}, 2<<20), 413, "larger than"},
		{"no tenant.yaml", tarGz(t, entry{name: "main.lua", body: "return function() end"}), 400, "tenant.yaml"},
		{"a bad tenant.yaml", tarGz(t, entry{name: "tenant.yaml", body: "name: x\nlimits:\n  mailbx: 3\nservices: [{name: a, restart: never}]\n"}),
			400, `tenant.yaml:3:3: limits.mailbx: unknown key (did you mean mailbox?)`},
		{"over the ceiling", tarGz(t, entry{name: "tenant.yaml", body: "name: x\nlimits:\n  memory: 1GiB\n"}), 400, "tenant.yaml:3: limits.memory: asks for 1GiB; the operator allows at most 256MiB"},
		{"native", tarGz(t, entry{name: "tenant.yaml", body: "name: x\nisolation: native\n"}), 400, "not allowed by the operator"},
		{"a syntax error", tarGz(t, entry{name: "tenant.yaml", body: "name: x\n"}, entry{name: "main.lua", body: "return function("}), 400, "main"},
	}
	for _, tt := range tests {
		code, body := ts.do("POST", "/admin/tenants", ts.admin, tt.body)
		want(t, tt.name, code, body, tt.code, tt.want)
	}
	code, body := ts.do("GET", "/admin/tenants", ts.admin, nil)
	want(t, "nothing deployed", code, body, 200, `"tenants": []`)
	if entries, _ := os.ReadDir(filepath.Join(ts.cfg.Data, "staging")); len(entries) != 0 {
		t.Errorf("staged bundles left behind: %d", len(entries))
	}
}

func TestIngressTokens(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), func(c *Config) {
		c.Ingress.Timeout = time.Second
		c.Ingress.MaxBody = 1 << 10
	})
	_, shop, _ := ts.deploy(filepath.Join(examples, "shop"))
	_, mallory, _ := ts.deploy(filepath.Join(examples, "mallory"))

	code, body := ts.call("shop", "", "api/quote", `{}`)
	want(t, "no token", code, body, 401, "API token is needed")
	// Another tenant's token, a wrong token, an unknown tenant: the same answer.
	_, other := ts.call("shop", mallory.Token, "api/quote", `{}`)
	_, wrong := ts.call("shop", "x"+shop.Token[1:], "api/quote", `{}`)
	code, unknown := ts.call("nosuch", shop.Token, "api/quote", `{}`)
	want(t, "unknown tenant", code, unknown, 404, "no such tenant for this token")
	if other != unknown || wrong != unknown {
		t.Errorf("the answers tell tenants apart:\n%s\n%s\n%s", other, wrong, unknown)
	}
	code, body = ts.call("shop", shop.Token, "api/quote", `{"items": [`+strings.Repeat(`{"price": 1},`, 200)+`{}]}`)
	want(t, "a large body", code, body, 413, "larger than 1KiB")
	code, body = ts.call("shop", shop.Token, "api/quote", `{"items": [}`)
	want(t, "malformed JSON", code, body, 400, "not JSON")
	code, body = ts.call("shop", shop.Token, "api/quote", `{} {}`)
	want(t, "two JSON values", code, body, 400, "more than one JSON value")
	code, body = ts.call("shop", shop.Token, "api/@evil", `{}`)
	want(t, "an @ topic", code, body, 400, "must not start with @")
	code, body = ts.call("mallory", mallory.Token, "spin", ``)
	want(t, "a service that never answers", code, body, 504, "no reply from spin within 1s")
	code, body = ts.call("shop", shop.Token, "api/quote", `{"items": [{"price": 1}]}`)
	want(t, "the neighbour", code, body, 200, `"total":1.2`)
}

// A restarted server serves every stored tenant again, with its version,
// token and services.
func TestRestartRestores(t *testing.T) {
	data := t.TempDir()
	ts := newTestServer(t, data, nil)
	_, shop, _ := ts.deploy(filepath.Join(examples, "shop"))
	v2 := copyBundle(t, "shop", map[string]func(string) string{
		"app/api.lua": func(s string) string { return strings.Replace(s, "local VERSION = 1", "local VERSION = 2", 1) },
	})
	ts.deploy(v2)
	admin := ts.admin
	ts.close()

	ts = newTestServer(t, data, nil)
	if ts.admin != admin {
		t.Error("the admin token changed across a restart")
	}
	code, body := ts.call("shop", shop.Token, "api/version", "")
	want(t, "after a restart", code, body, 200, `{"version":2}`)
	code, body = ts.do("POST", "/admin/tenants/shop/rollback", ts.admin, nil)
	want(t, "rollback after a restart", code, body, 200, `"version": 1`)
	code, body = ts.do("GET", "/readyz", "", nil)
	want(t, "ready", code, body, 200, "ready")
}
