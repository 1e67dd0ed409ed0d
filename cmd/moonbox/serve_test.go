package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The walk-through of examples/saas-server/README.md, run against the real
// binary on loopback: start, deploy two tenants (one hostile), call their
// services, watch a restart, redeploy, roll back, scrape metrics, restart the
// server with the tenants restored, undeploy, shut down gracefully.

const saas = "../../examples/saas-server"

// adminToken is the walk-through's admin token, given in the environment as
// its moonbox.yaml says.
const adminToken = "0123456789abcdef0123456789abcdef-walkthrough"

// serverProc is a running `moonbox serve`.
type serverProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

func startServer(t *testing.T, data string, extra ...string) *serverProc {
	t.Helper()
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	args := append([]string{"serve", "--config", filepath.Join(saas, "moonbox.yaml"), "--listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(moonboxBin, args...)
	cmd.Env = append(os.Environ(), "MOONBOX_ADMIN_TOKEN="+adminToken)
	stdout, _ := cmd.StdoutPipe()
	p := &serverProc{t: t, cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.stderr.Write(b)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		_ = err
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on http://") {
		t.Fatalf("the server did not start: %q %v\n%s", line, err, p.log())
	}
	p.url = strings.Fields(line[strings.Index(line, "http://"):])[0]
	go io.Copy(io.Discard, stdout)
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

func (p *serverProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// stop sends sig and waits for the exit, at most limit.
func (p *serverProc) stop(sig os.Signal, limit time.Duration) int {
	p.t.Helper()
	p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.code
	case <-time.After(limit):
		p.t.Fatalf("the server did not exit within %v after %v\n%s", limit, sig, p.log())
	}
	return -1
}

func (p *serverProc) do(method, path, token, body string) (int, string) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (p *serverProc) expect(what, method, path, token, body string, code int, contains string) string {
	p.t.Helper()
	got, resp := p.do(method, path, token, body)
	if got != code || !strings.Contains(resp, contains) {
		p.t.Fatalf("%s: %s %s: got %d %s\nwant %d containing %q\nserver log:\n%s", what, method, path, got, resp, code, contains, p.log())
	}
	return resp
}

// deployCLI runs `moonbox deploy` and returns the answer.
func deployCLI(t *testing.T, url, dir string) map[string]any {
	t.Helper()
	cmd := exec.Command(moonboxBin, "deploy", "--server", url, dir)
	cmd.Env = append(os.Environ(), "MOONBOX_ADMIN_TOKEN="+adminToken)
	out, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("moonbox deploy %s: %v\n%s%s", dir, err, out, stderr)
	}
	var res map[string]any
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("moonbox deploy %s: %v\n%s", dir, err, out)
	}
	return res
}

func TestServeWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary")
	}
	data := t.TempDir()
	srv := startServer(t, data, "--grace", "3s")
	srv.expect("health", "GET", "/healthz", "", "", 200, "ok")
	srv.expect("ready", "GET", "/readyz", "", "", 200, "ready")

	shop := deployCLI(t, srv.url, filepath.Join(saas, "shop"))
	mallory := deployCLI(t, srv.url, filepath.Join(saas, "mallory"))
	shopTok, malTok := shop["token"].(string), mallory["token"].(string)
	if shopTok == "" || malTok == "" || shop["version"] != 1.0 {
		t.Fatalf("deploy answers: %v %v", shop, mallory)
	}

	// Call the services.
	srv.expect("quote", "POST", "/t/shop/call/api/quote", shopTok, `{"items":[{"price":2.5,"qty":2},{"price":10}]}`, 200, `"total":18`)
	srv.expect("the ledger is private", "POST", "/t/shop/call/ledger/total", shopTok, "", 403, "PERMISSION_DENIED")
	srv.expect("another tenant's token", "POST", "/t/shop/call/api/quote", malTok, "{}", 404, "no such tenant for this token")
	srv.expect("no token", "POST", "/t/shop/call/api/quote", "", "{}", 401, "token")
	srv.expect("the hostile tenant's spin", "POST", "/t/mallory/call/spin", malTok, "", 504, "no reply from spin within 2s")
	srv.expect("the neighbour meanwhile", "POST", "/t/shop/call/api/quote", shopTok, `{"items":[{"price":1}]}`, 200, `"total":1.2`)

	// Watch a restart.
	srv.expect("counter", "POST", "/t/shop/call/counter", shopTok, "", 200, `"count":1`)
	srv.expect("crash it", "POST", "/t/shop/call/counter/crash", shopTok, "", 502, "asked to crash")
	waitUntil(t, "the counter's restart", func() bool {
		code, _ := srv.do("POST", "/t/shop/call/counter", shopTok, "")
		return code == 200
	})
	srv.expect("its status", "GET", "/admin/tenants/shop", adminToken, "", 200, `"restarts": 1`)
	waitUntil(t, "mallory's crash loop to be given up", func() bool {
		_, body := srv.do("GET", "/admin/tenants/mallory", adminToken, "")
		return strings.Contains(body, `"state": "failed"`)
	})

	// A refused deploy: the CLI says why, with the line, and exits 1.
	bad := filepath.Join(t.TempDir(), "shop")
	os.CopyFS(bad, os.DirFS(filepath.Join(saas, "shop")))
	os.WriteFile(filepath.Join(bad, "tenant.yaml"), []byte("name: shop\nlimits:\n  mailbx: 10\n"), 0o644)
	cmd := exec.Command(moonboxBin, "deploy", "--server", srv.url, bad)
	cmd.Env = append(os.Environ(), "MOONBOX_ADMIN_TOKEN="+adminToken)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitAbnormal ||
		!strings.Contains(string(out), "tenant.yaml:3:3: limits.mailbx: unknown key (did you mean mailbox?)") {
		t.Fatalf("a refused deploy: %v\n%s", err, out)
	}

	// Redeploy, roll back.
	v2 := filepath.Join(t.TempDir(), "shop")
	if err := os.CopyFS(v2, os.DirFS(filepath.Join(saas, "shop"))); err != nil {
		t.Fatal(err)
	}
	api, _ := os.ReadFile(filepath.Join(v2, "app", "api.lua"))
	os.WriteFile(filepath.Join(v2, "app", "api.lua"), bytes.Replace(api, []byte("local VERSION = 1"), []byte("local VERSION = 2"), 1), 0o644)
	if res := deployCLI(t, srv.url, v2); res["version"] != 2.0 || res["token"] != nil {
		t.Fatalf("redeploy: %v", res)
	}
	srv.expect("version 2", "POST", "/t/shop/call/api/version", shopTok, "", 200, `{"version":2}`)
	srv.expect("rollback", "POST", "/admin/tenants/shop/rollback", adminToken, "", 200, `"version": 1`)
	srv.expect("version 1 again", "POST", "/t/shop/call/api/version", shopTok, "", 200, `{"version":1}`)

	// Metrics.
	metrics := srv.expect("metrics", "GET", "/metrics", "", "", 200, `moonbox_service_restarts_total{service="counter",tenant="shop"} 1`)
	for _, m := range []string{
		`moonbox_service_state{service="crashloop",state="failed",tenant="mallory"} 1`,
		`moonbox_policy_denials_total{tenant="shop"} 1`,
		`moonbox_ingress_requests_total{code="504",tenant="mallory"} 1`,
		`moonbox_tenant_processes{tenant="shop"}`,
	} {
		if !strings.Contains(metrics, m) {
			t.Errorf("metrics lack %s", m)
		}
	}

	// Restart the server: SIGTERM is a graceful exit 0, and the next start
	// serves both tenants again, at the versions they had.
	if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, srv.log())
	}
	if strings.Contains(srv.log(), `cancel deadline exceeded" tenant=shop`) {
		t.Errorf("shop's services did not leave on CANCEL:\n%s", srv.log())
	}
	srv = startServer(t, data, "--grace", "3s")
	srv.expect("restored at version 1", "POST", "/t/shop/call/api/version", shopTok, "", 200, `{"version":1}`)
	srv.expect("the ledger is kept private", "POST", "/t/shop/call/ledger/total", shopTok, "", 403, "PERMISSION_DENIED")
	srv.expect("mallory restored", "GET", "/admin/tenants", adminToken, "", 200, `"name": "mallory"`)

	// Undeploy the hostile tenant, then shut down.
	srv.expect("undeploy", "DELETE", "/admin/tenants/mallory?grace=500ms", adminToken, "", 204, "")
	srv.expect("mallory is gone", "POST", "/t/mallory/call/spin", malTok, "", 404, "no such tenant")
	start := time.Now()
	if code := srv.stop(syscall.SIGTERM, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM\n%s", code, srv.log())
	}
	if strings.Contains(srv.log(), `cancel deadline exceeded" tenant=shop`) {
		t.Errorf("a service of shop did not leave on CANCEL:\n%s", srv.log())
	}
	t.Logf("graceful shutdown with shop's services: %v", time.Since(start).Round(time.Millisecond))
}

// A second signal ends the server at once, without waiting for processes
// that ignore CANCEL.
func TestServeSecondSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary")
	}
	srv := startServer(t, t.TempDir(), "--grace", "60s")
	deployCLI(t, srv.url, filepath.Join(saas, "mallory")) // its services ignore CANCEL
	srv.cmd.Process.Signal(syscall.SIGTERM)
	time.Sleep(300 * time.Millisecond)
	select {
	case <-srv.done:
		t.Fatalf("exited before the grace period with mallory's services running\n%s", srv.log())
	default:
	}
	if code := srv.stop(syscall.SIGINT, 10*time.Second); code != exitAbnormal {
		t.Fatalf("exit code %d after a second signal, want %d", code, exitAbnormal)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Without a config, the server listens where it is told, generates an admin
// token, shows it once, and keeps it across a restart.
func TestServeNoConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	data := t.TempDir()
	start := func() (*exec.Cmd, string, string) {
		cmd := exec.Command(moonboxBin, "serve", "--listen", "127.0.0.1:0", "--data", data)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		line := <-lines
		if !strings.Contains(line, "listening on http://127.0.0.1:") {
			t.Fatalf("first line: %q", line)
		}
		url := strings.Fields(line[strings.Index(line, "http://"):])[0]
		token := ""
		select {
		case next := <-lines:
			if strings.HasPrefix(next, "admin token") {
				token = strings.TrimSpace(<-lines)
			}
		case <-time.After(time.Second): // a restart shows no token: nothing more comes
		}
		return cmd, url, token
	}
	cmd, url, token := start()
	if len(token) != 64 {
		t.Fatalf("no generated token shown: %q", token)
	}
	for _, tok := range []string{token, "nope"} {
		req, _ := http.NewRequest("GET", url+"/admin/tenants", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 200, false: 401}[tok == token]; resp.StatusCode != want {
			t.Errorf("token %q: %d, want %d", tok, resp.StatusCode, want)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("after SIGTERM: %v", err)
	}
	saved, _ := os.ReadFile(filepath.Join(data, "admin-token"))
	if strings.TrimSpace(string(saved)) != token {
		t.Errorf("the token kept in the data directory differs")
	}
	if _, _, again := start(); again != "" {
		t.Errorf("a restart showed a token again: %q", again)
	}
}

// A config with problems: every one with its line, exit 2.
func TestServeBadConfig(t *testing.T) {
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	cfg := filepath.Join(t.TempDir(), "moonbox.yaml")
	os.WriteFile(cfg, []byte("lisen: :7070\nadmin_token: secret\n"), 0o644)
	out, err := exec.Command(moonboxBin, "serve", "--config", cfg).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitUsage {
		t.Fatalf("exit: %v\n%s", err, out)
	}
	for _, want := range []string{"moonbox.yaml:1:1: lisen: unknown key (did you mean listen?)", "moonbox.yaml:2:14: admin_token: must be a mapping"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// SIGKILL in the middle of deploys: the restarted server serves a whole
// version, the one its store says is current (shop's api answers with the
// version its source was written for).
func TestServeSIGKILLDuringDeploy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server binary")
	}
	data := t.TempDir()
	srv := startServer(t, data)
	shop := deployCLI(t, srv.url, filepath.Join(saas, "shop"))
	tok := shop["token"].(string)
	bundles := map[int][]byte{}
	for v := 2; v <= 100; v++ {
		dir := filepath.Join(t.TempDir(), "shop")
		os.CopyFS(dir, os.DirFS(filepath.Join(saas, "shop")))
		api, _ := os.ReadFile(filepath.Join(dir, "app", "api.lua"))
		os.WriteFile(filepath.Join(dir, "app", "api.lua"), bytes.Replace(api, []byte("local VERSION = 1"), []byte("local VERSION = "+strconv.Itoa(v)), 1), 0o644)
		b, err := tarGzDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		bundles[v] = b
	}
	for round := range 5 {
		// Deploy version after version until the server dies.
		st := currentVersion(t, srv, tok)
		go func(url string, from int) {
			for v := from; v <= 100; v++ {
				req, _ := http.NewRequest("POST", url+"/admin/tenants", bytes.NewReader(bundles[v]))
				req.Header.Set("Authorization", "Bearer "+adminToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
			}
		}(srv.url, st+1)
		time.Sleep(time.Duration(40+round*25) * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGKILL)
		<-srv.done

		srv = startServer(t, data)
		stored := currentVersion(t, srv, tok)
		t.Logf("round %d: killed after version %d had been current, restarted at version %d", round, st, stored)
		if stored < st {
			t.Fatalf("went back from version %d to %d", st, stored)
		}
	}
}

// currentVersion checks that the version the store says is current is the
// one the api runs, and returns it.
func currentVersion(t *testing.T, srv *serverProc, tok string) int {
	t.Helper()
	_, body := srv.do("GET", "/admin/tenants/shop", adminToken, "")
	var info struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal([]byte(body), &info); err != nil || info.Version == 0 {
		t.Fatalf("show: %v %s", err, body)
	}
	srv.expect("the api runs the current version", "POST", "/t/shop/call/api/version", tok, "", 200, fmt.Sprintf(`{"version":%d}`, info.Version))
	return info.Version
}
