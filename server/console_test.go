package server

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/server/console"
)

// consoleClient is a browser-like HTTP client: it keeps cookies and does not
// follow redirects (the tests look at them).
func consoleClient(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func consoleDo(t testing.TB, c *http.Client, method, u string, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// consoleLogin posts token to the login form and returns the session
// cookie (nil if refused).
func consoleLogin(t testing.TB, ts *testServer, c *http.Client, token string) *http.Cookie {
	t.Helper()
	resp, _ := consoleDo(t, c, "POST", ts.http.URL+"/ui/login", url.Values{"token": {token}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d, want 303", resp.StatusCode)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == console.CookieName {
			return ck
		}
	}
	return nil
}

func TestConsoleNeedsSession(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), nil)
	_, res, body := ts.deploy(filepath.Join(examples, "shop"))
	if res.Token == "" {
		t.Fatalf("deploy: %s", body)
	}
	c := consoleClient(t)

	// Without a session: pages redirect to the login form, data is 401.
	for _, p := range []string{"/ui/", "/ui/tenant/shop"} {
		resp, _ := consoleDo(t, c, "GET", ts.http.URL+p, "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/login" {
			t.Errorf("GET %s without a session: %d to %q, want 303 to /ui/login", p, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	data := []string{"/ui/api/session", "/ui/api/overview", "/ui/api/stream", "/ui/api/tenants/shop", "/ui/api/tenants/shop/stream"}
	actions := []string{"/ui/api/tenants/shop/terminate", "/ui/api/tenants/shop/restart", "/ui/api/tenants/shop/rollback", "/ui/api/tenants/shop/undeploy", "/ui/logout"}
	// The tenant's API token and the admin token as bearer tokens do not
	// stand for a session either.
	for _, tok := range []string{"", res.Token, ts.admin} {
		for _, p := range data {
			resp, _ := consoleDo(t, c, "GET", ts.http.URL+p, "", "Authorization", "Bearer "+tok)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("GET %s with bearer %.6q and no session: %d, want 401", p, tok, resp.StatusCode)
			}
		}
		for _, p := range actions {
			resp, _ := consoleDo(t, c, "POST", ts.http.URL+p, `{}`, "Authorization", "Bearer "+tok)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("POST %s with bearer %.6q and no session: %d, want 401", p, tok, resp.StatusCode)
			}
		}
	}
	// A made-up cookie is no session.
	resp, _ := consoleDo(t, c, "GET", ts.http.URL+"/ui/api/overview", "", "Cookie", console.CookieName+"="+strings.Repeat("a", 64))
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a forged cookie: %d, want 401", resp.StatusCode)
	}

	// The login form refuses the tenant's token, a wrong one, none.
	for _, tok := range []string{res.Token, "wrong", "", ts.admin + " "} {
		if ck := consoleLogin(t, ts, c, tok); ck != nil {
			t.Errorf("login with %.6q gave a session cookie", tok)
		}
	}
	if resp, _ := consoleDo(t, c, "GET", ts.http.URL+"/ui/api/overview", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after refused logins: %d, want 401", resp.StatusCode)
	}
	// A login from another origin is refused.
	resp, _ = consoleDo(t, c, "POST", ts.http.URL+"/ui/login", url.Values{"token": {ts.admin}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded", "Origin", "http://evil.example")
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
		t.Errorf("a cross-origin login: %d with %d cookies, want 403 and none", resp.StatusCode, len(resp.Cookies()))
	}
}

func TestConsoleSessionAndCSRF(t *testing.T) {
	ts := newTestServer(t, t.TempDir(), nil)
	if code, _, body := ts.deploy(filepath.Join(examples, "shop")); code != http.StatusCreated && code != http.StatusOK {
		t.Fatalf("deploy: %d %s", code, body)
	}
	c := consoleClient(t)
	ck := consoleLogin(t, ts, c, ts.admin)
	if ck == nil {
		t.Fatal("the admin token gave no session cookie")
	}
	if !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/ui" || len(ck.Value) < 32 {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=/ui, a long random value", ck)
	}

	resp, body := consoleDo(t, c, "GET", ts.http.URL+"/ui/", "")
	if resp.StatusCode != 200 || !strings.Contains(body, "console.js") {
		t.Fatalf("GET /ui/ with a session: %d %.80s", resp.StatusCode, body)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q: want scripts from the console only", csp)
	}
	resp, body = consoleDo(t, c, "GET", ts.http.URL+"/ui/api/session", "")
	var sess struct{ CSRF, Session string }
	if err := json.Unmarshal([]byte(body), &sess); err != nil || len(sess.CSRF) < 32 || !strings.HasPrefix(sess.Session, "s-") {
		t.Fatalf("session: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(sess.Session, ck.Value) || strings.Contains(body, ck.Value) {
		t.Error("the session's name in the logs gives away its cookie")
	}

	// The overview has the tenant; wait for a sample.
	var o console.Overview
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = consoleDo(t, c, "GET", ts.http.URL+"/ui/api/overview", "")
		json.Unmarshal([]byte(body), &o)
		if len(o.Tenants) == 1 && o.Tenants[0].Name == "shop" && o.Tenants[0].Services == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}

	// Actions: no CSRF token, a wrong one, another origin: 403, nothing
	// done. The right one: done.
	act := "/ui/api/tenants/shop/restart"
	for _, h := range [][]string{
		nil,
		{"X-CSRF-Token", "wrong"},
		{"X-CSRF-Token", sess.CSRF + "0"},
		{"X-CSRF-Token", sess.CSRF, "Origin", "http://evil.example"},
	} {
		resp, body := consoleDo(t, c, "POST", ts.http.URL+act, `{"service":"counter"}`, h...)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s with %q: %d %s, want 403", act, h, resp.StatusCode, body)
		}
	}
	if resp, _ := consoleDo(t, c, "POST", ts.http.URL+"/ui/api/tenants/shop/undeploy", `{}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("undeploy without CSRF: %d, want 403", resp.StatusCode)
	}
	if _, ok := ts.s.tenant("shop"); !ok {
		t.Fatal("an undeploy without its CSRF token undeployed")
	}
	before := restartsOf(ts, "shop", "counter")
	resp, body = consoleDo(t, c, "POST", ts.http.URL+act, `{"service":"counter"}`, "X-CSRF-Token", sess.CSRF, "Origin", ts.http.URL)
	if resp.StatusCode != 200 {
		t.Fatalf("restart with CSRF: %d %s", resp.StatusCode, body)
	}
	for deadline := time.Now().Add(10 * time.Second); restartsOf(ts, "shop", "counter") == before; {
		if time.Now().After(deadline) {
			t.Fatal("the service was not restarted")
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Logging out ends the session: the same cookie is 401 afterwards.
	resp, _ = consoleDo(t, c, "POST", ts.http.URL+"/ui/logout", "", "X-CSRF-Token", sess.CSRF)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	resp, _ = consoleDo(t, consoleClient(t), "GET", ts.http.URL+"/ui/api/overview", "", "Cookie", console.CookieName+"="+ck.Value)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the cookie after logout: %d, want 401", resp.StatusCode)
	}
}

func restartsOf(ts *testServer, tenant, service string) int {
	tn, _ := ts.s.tenant(tenant)
	for _, ss := range tn.sup.Status() {
		if ss.Name == service {
			return ss.Restarts
		}
	}
	return -1
}

// TestConsoleAssetsBuildNoMarkup keeps the scripts honest: the page builds
// its DOM from text, so tenant strings never become markup.
func TestConsoleAssetsBuildNoMarkup(t *testing.T) {
	files, _ := filepath.Glob("console/assets/*.js")
	if len(files) == 0 {
		t.Fatal("no scripts found")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"} {
			if strings.Contains(string(data), bad) {
				t.Errorf("%s uses %s", f, bad)
			}
		}
	}
}

// TestConsoleStreamDoesNotHoldShutdown: an open console's event stream ends
// when the server shuts down, rather than keeping Shutdown waiting for the
// whole grace period.
func TestConsoleStreamDoesNotHoldShutdown(t *testing.T) {
	cfg := DefaultConfig(t.TempDir())
	cfg.Data = t.TempDir()
	s, _, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, time.Hour) }()
	base := "http://" + ln.Addr().String()
	c := consoleClient(t)
	ts := &testServer{t: t, s: s, http: &httptest.Server{URL: base}, admin: s.AdminTokenValue()}
	if consoleLogin(t, ts, c, ts.admin) == nil {
		t.Fatal("no session")
	}
	// No client timeout: the stream stays open until the server ends it.
	resp, err := (&http.Client{Jar: c.Jar}).Get(base + "/ui/api/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // a hang detector, not a timing: the grace is an hour
		t.Fatal("Serve still waits for the console's stream")
	}
}
