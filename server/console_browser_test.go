package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium is the browser the console's tests drive: Debian's chromium
// (.ci/run installs it). Without one the tests skip, except in CI, where a
// missing browser is a failure, not a pass.
func chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary on PATH, and CI=true: the console's browser tests must run (apt-get install -y chromium)")
	}
	t.Skip("no chromium binary on PATH: the console's browser tests are skipped (apt-get install -y chromium runs them)")
	return ""
}

// newBrowser starts a headless Chromium with a fresh profile; the context
// drives one tab.
func newBrowser(t testing.TB) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1500, 1000),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// run runs browser actions with a deadline.
func run(t testing.TB, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page (awaiting a promise).
func eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// until evaluates a boolean JavaScript expression until it is true.
func until(t testing.TB, ctx context.Context, what, expr string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		// An error is a page between two documents: try again.
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")")); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			page := eval[string](t, ctx, "document.body.innerText.slice(0, 2000)")
			t.Fatalf("%s: not within %v (%s)\npage text:\n%s", what, within, expr, page)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// load keeps calling shop's api through the ingress until stopped, so the
// overview has messages to show.
func load(t testing.TB, ts *testServer, token string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, "POST", ts.http.URL+"/t/shop/call/api",
					strings.NewReader(`{"items":[{"price":10,"qty":2}]}`))
				req.Header.Set("Authorization", "Bearer "+token)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// hostile is the markup xss puts in its errors and denials.
var hostile = []string{`<script>window.__pwned = "script"</script>`, `"><img src=x onerror="window.__pwned='img'">`,
	`'><svg onload=window.__pwned='svg'>`, `</td></tr></table><b id=pwned>bold</b>`}

// noMarkupRan is true when no payload ran nor became an element.
const noMarkupRan = `window.__pwned === undefined && !document.getElementById("pwned") &&
	document.querySelectorAll("main img, main iframe, main script, main b, main svg:not(.spark)").length === 0`

func TestConsoleBrowser(t *testing.T) {
	ctx := newBrowser(t)
	ts := newTestServer(t, t.TempDir(), nil)
	tokens := map[string]string{}
	for _, dir := range []string{filepath.Join(examples, "shop"), filepath.Join(examples, "mallory"), "testdata/console/xss",
		copyBundle(t, "shop", map[string]func(string) string{"tenant.yaml": func(s string) string { return strings.Replace(s, "name: shop", "name: scratch", 1) }})} {
		code, res, body := ts.deploy(dir)
		if code != http.StatusCreated {
			t.Fatalf("deploy %s: %d %s", dir, code, body)
		}
		tokens[res.Tenant] = res.Token
	}
	stop := load(t, ts, tokens["shop"])
	defer stop()
	url := ts.http.URL

	t.Run("login", func(t *testing.T) {
		run(t, ctx, "the overview without a session", chromedp.Navigate(url+"/ui/"), chromedp.WaitVisible(chromedp.CSS("#token")))
		loc := eval[string](t, ctx, "location.href")
		if !strings.HasSuffix(loc, "/ui/login") {
			t.Fatalf("without a session the console is at %s, want the login form", loc)
		}
		// A tenant's API token does not open the console.
		run(t, ctx, "login with a tenant's token", chromedp.SendKeys(chromedp.CSS("#token"), tokens["shop"]),
			chromedp.Click(chromedp.CSS("#login")))
		until(t, ctx, "the refusal", `location.search === "?failed=1" && !document.getElementById("failed").hidden`, 10*time.Second)
		run(t, ctx, "login with the admin token", chromedp.Navigate(url+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#token")),
			chromedp.SendKeys(chromedp.CSS("#token"), ts.admin), chromedp.Click(chromedp.CSS("#login")))
		until(t, ctx, "the overview", `document.querySelector('#tenants tr[data-tenant="shop"]')`, 10*time.Second)
		// The session cookie is HttpOnly: the page's scripts do not see it.
		cookies := eval[string](t, ctx, "document.cookie")
		if strings.Contains(cookies, "moonbox_console") {
			t.Errorf("document.cookie shows the session: %q", cookies)
		}
	})

	t.Run("overview updates live", func(t *testing.T) {
		eval[bool](t, ctx, "window.__sameDocument = true")
		cell := func(tenant string, col int) string {
			return fmt.Sprintf(`(document.querySelector('#tenants tr[data-tenant="%s"]')?.children[%d]?.textContent || "")`, tenant, col)
		}
		until(t, ctx, "every tenant in the overview", `document.querySelectorAll("#tenants tr").length === 4`, 10*time.Second)
		// shop's messages/s goes above zero under the load, and the clock
		// moves: updates arrive without a reload.
		until(t, ctx, "shop's messages/s under load", "parseFloat("+cell("shop", 4)+") > 0", 15*time.Second)
		clock1 := eval[string](t, ctx, `document.getElementById("clock").textContent`)
		until(t, ctx, "the next update", `document.getElementById("clock").textContent !== `+jsString(clock1), 5*time.Second)
		until(t, ctx, "xss throttled (limit kills)", `document.querySelector('#tenants tr[data-tenant="xss"]').className === "status-throttled"`, 15*time.Second)
		until(t, ctx, "xss's denials per minute", "parseFloat("+cell("xss", 7)+") > 0", 15*time.Second)
		until(t, ctx, "mallory's crashloop failing", "/failing/.test("+cell("mallory", 1)+")", 20*time.Second)
		if !eval[bool](t, ctx, "window.__sameDocument === true") {
			t.Error("the page reloaded")
		}
		until(t, ctx, "no payload ran on the overview", noMarkupRan, time.Second)
	})

	t.Run("tenant page and escaping", func(t *testing.T) {
		run(t, ctx, "open xss's page", chromedp.Click(chromedp.CSS(`#tenants tr[data-tenant="xss"] a.tenant`)),
			chromedp.WaitVisible(chromedp.CSS("#tenant-name")))
		until(t, ctx, "xss's services", `document.querySelectorAll("main section")[1].querySelectorAll("tbody tr").length === 3`, 10*time.Second)
		until(t, ctx, "a limit kill listed", `document.body.innerText.includes("CPU budget exhausted")`, 10*time.Second)
		until(t, ctx, "top processes with Terminate buttons", `document.querySelectorAll("button.terminate").length > 0`, 10*time.Second)
		// Every payload is on the page as text...
		for _, p := range hostile {
			until(t, ctx, "the text "+p, "document.body.innerText.includes("+jsString(p)+")", 15*time.Second)
		}
		// ...and none of it ran or became an element.
		until(t, ctx, "no payload ran", noMarkupRan, time.Second)
		if eval[bool](t, ctx, "window.__pwned !== undefined") {
			t.Fatal("a tenant's markup ran in the console")
		}
		shoot(t, ctx, "console-tenant.png", "")
		shoot(t, ctx, "console-tenant-journal.png", "Recent limit kills")
	})

	t.Run("terminate a process", func(t *testing.T) {
		run(t, ctx, "open shop's page", chromedp.Navigate(url+"/ui/tenant/shop"), chromedp.WaitVisible(chromedp.CSS("#tenant-name")))
		pid := servicePID(ts, "shop", "api")
		sel := fmt.Sprintf(`button.terminate[data-pid=%s]`, jsString(pid))
		until(t, ctx, "api in the top list", "document.querySelector("+jsString(sel)+")", 10*time.Second)
		before := restartsOf(ts, "shop", "api")
		// Cancel first: nothing happens.
		run(t, ctx, "terminate, cancelled", chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
			chromedp.Click(chromedp.CSS("#confirm-cancel")), chromedp.WaitNotVisible(chromedp.CSS("#confirm")))
		time.Sleep(300 * time.Millisecond)
		if servicePID(ts, "shop", "api") != pid {
			t.Fatal("a cancelled terminate terminated")
		}
		run(t, ctx, "terminate, confirmed", chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("#confirm")),
			chromedp.Click(chromedp.CSS("#confirm-ok")))
		until(t, ctx, "the toast", `document.getElementById("toast").textContent.includes("terminated a process")`, 10*time.Second)
		for deadline := time.Now().Add(10 * time.Second); restartsOf(ts, "shop", "api") == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the api was not terminated and restarted")
			}
		}
		until(t, ctx, "the restart in the history", `document.body.innerText.includes("Restart history") && /api/.test(document.querySelectorAll("main section")[1].innerText)`, 10*time.Second)
	})

	t.Run("undeploy", func(t *testing.T) {
		run(t, ctx, "open scratch's page", chromedp.Navigate(url+"/ui/tenant/scratch"), chromedp.WaitVisible(chromedp.CSS("#undeploy")),
			chromedp.Click(chromedp.CSS("#undeploy")), chromedp.WaitVisible(chromedp.CSS("#confirm")), chromedp.Click(chromedp.CSS("#confirm-ok")))
		until(t, ctx, "back on the overview without scratch",
			`location.pathname === "/ui/" && document.querySelectorAll("#tenants tr").length === 3 && !document.querySelector('#tenants tr[data-tenant="scratch"]')`, 15*time.Second)
		if _, ok := ts.s.tenant("scratch"); ok {
			t.Fatal("scratch is still deployed")
		}
		shoot(t, ctx, "console-overview.png", "")
	})

	t.Run("logout", func(t *testing.T) {
		run(t, ctx, "log out", chromedp.Click(chromedp.CSS("#logout")), chromedp.WaitVisible(chromedp.CSS("#token")))
		code := eval[int](t, ctx, `fetch("/ui/api/overview").then(r => r.status)`)
		if code != http.StatusUnauthorized {
			t.Errorf("after logout the overview data answers %d, want 401", code)
		}
	})
}

func servicePID(ts *testServer, tenant, service string) string {
	tn, _ := ts.s.tenant(tenant)
	for _, ss := range tn.sup.Status() {
		if ss.Name == service {
			return ss.PID
		}
	}
	return ""
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// shoot saves a screenshot of the window into $MOONBOX_CONSOLE_SHOTS (the
// docs' pictures come from `make console-shots`), after
// $MOONBOX_CONSOLE_SHOTS_WAIT so the sparklines have a history; scrolled to
// the heading that reads at, if any.
func shoot(t testing.TB, ctx context.Context, name, at string) {
	dir := os.Getenv("MOONBOX_CONSOLE_SHOTS")
	if dir == "" {
		return
	}
	if d, err := time.ParseDuration(os.Getenv("MOONBOX_CONSOLE_SHOTS_WAIT")); err == nil && at == "" {
		time.Sleep(d)
	}
	scroll := "window.scrollTo(0, 0)"
	if at != "" {
		scroll = `[...document.querySelectorAll("h2")].find(h => h.textContent === ` + jsString(at) + `).scrollIntoView()`
	}
	eval[any](t, ctx, scroll+"; true")
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s: %d bytes", name, len(png))
}
