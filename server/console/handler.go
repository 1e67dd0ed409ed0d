package console

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// Prefix is where the server mounts the console.
const Prefix = "/ui"

//go:embed assets
var assets embed.FS

// policy is every page's Content-Security-Policy: scripts and styles from
// the console itself, no inline script, no framing.
const policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Handler serves the console under [Prefix]:
//
//	GET  /ui/                      the overview (a login redirect without a session)
//	GET  /ui/tenant/{name}         a tenant page
//	GET  /ui/login, POST /ui/login the login form; the admin token opens a session
//	POST /ui/logout
//	GET  /ui/static/{file}         the embedded scripts and styles
//	GET  /ui/api/session           the session's CSRF token
//	GET  /ui/api/overview          every tenant's row (JSON)
//	GET  /ui/api/stream            the rows once a second (server-sent events)
//	GET  /ui/api/tenants/{name}    a tenant page's data; .../stream once a second
//	POST /ui/api/tenants/{name}/terminate  {"pid": ...}
//	POST /ui/api/tenants/{name}/restart    {"service": ...}
//	POST /ui/api/tenants/{name}/rollback
//	POST /ui/api/tenants/{name}/undeploy
//
// /ui/api answers 401 without a session; every POST needs the session's
// CSRF token in X-CSRF-Token (403 without it).
func (c *Console) Handler() http.Handler {
	static, _ := fs.Sub(assets, "assets")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", c.page("index.html"))
	mux.HandleFunc("GET /tenant/{name}", c.page("index.html"))
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) { serveAsset(w, static, "login.html") })
	mux.HandleFunc("POST /login", c.login)
	mux.HandleFunc("POST /logout", c.action(c.logout))
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /api/session", c.data(func(w http.ResponseWriter, r *http.Request, ss *session) {
		writeJSON(w, http.StatusOK, map[string]string{"csrf": ss.csrf, "session": ss.who})
	}))
	mux.HandleFunc("GET /api/overview", c.data(func(w http.ResponseWriter, r *http.Request, ss *session) {
		writeJSON(w, http.StatusOK, c.overview(true))
	}))
	mux.HandleFunc("GET /api/stream", c.data(c.streamOverview))
	mux.HandleFunc("GET /api/tenants/{name}", c.data(func(w http.ResponseWriter, r *http.Request, ss *session) {
		d, ok := c.detail(r.PathValue("name"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such tenant"})
			return
		}
		writeJSON(w, http.StatusOK, d)
	}))
	mux.HandleFunc("GET /api/tenants/{name}/stream", c.data(c.streamTenant))
	mux.HandleFunc("POST /api/tenants/{name}/terminate", c.action(c.terminate))
	mux.HandleFunc("POST /api/tenants/{name}/restart", c.action(c.restart))
	mux.HandleFunc("POST /api/tenants/{name}/rollback", c.action(c.rollback))
	mux.HandleFunc("POST /api/tenants/{name}/undeploy", c.action(c.undeploy))
	h := http.StripPrefix(Prefix, mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", policy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func serveAsset(w http.ResponseWriter, static fs.FS, name string) {
	data, err := fs.ReadFile(static, name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(data)
}

// page serves an HTML page to a session, and sends anyone else to login.
func (c *Console) page(name string) http.HandlerFunc {
	static, _ := fs.Sub(assets, "assets")
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := c.sessions.of(r); !ok {
			http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
			return
		}
		serveAsset(w, static, name)
	}
}

// data wraps a data endpoint: a session, or 401.
func (c *Console) data(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ss, ok := c.sessions.of(r)
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "log in at " + Prefix + "/login"})
			return
		}
		h(w, r, ss)
	}
}

// action wraps an action: a session (401), its CSRF token (403).
func (c *Console) action(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return c.data(func(w http.ResponseWriter, r *http.Request, ss *session) {
		if !ss.csrfOK(r) {
			c.log.Warn("console: an action without its CSRF token was refused", "session", ss.who, "path", r.URL.Path, "remote", r.RemoteAddr)
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "missing or wrong CSRF token"})
			return
		}
		h(w, r, ss)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// login checks the admin token posted by the login form. A tenant's API
// token is not the admin token: it opens nothing here.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if o := r.Header.Get("Origin"); o != "" && o != "null" && !sameOrigin(r, o) {
		http.Error(w, "cross-origin login refused", http.StatusForbidden)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil || !c.cfg.Admin(r.PostForm.Get("token")) {
		c.log.Warn("console: a login with a wrong token", "remote", r.RemoteAddr)
		time.Sleep(200 * time.Millisecond) // a guesser waits
		http.Redirect(w, r, Prefix+"/login?failed=1", http.StatusSeeOther)
		return
	}
	ss := c.sessions.create(r.RemoteAddr)
	http.SetCookie(w, ss.cookie(r))
	c.log.Info("console: logged in", "session", ss.who, "remote", r.RemoteAddr)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request, ss *session) {
	c.sessions.end(ss)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: Prefix, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	c.log.Info("console: logged out", "session", ss.who)
	w.WriteHeader(http.StatusNoContent)
}

// stream sends next() as a server-sent event once a tick until the client
// leaves or the console stops.
func (c *Console) stream(w http.ResponseWriter, r *http.Request, next func(first bool) (any, bool)) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	first := true
	for {
		tick := c.tickedChan()
		v, ok := next(first)
		if !ok {
			fmt.Fprint(w, "event: gone\ndata: {}\n\n")
			fl.Flush()
			return
		}
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", data)
		fl.Flush()
		first = false
		select {
		case <-tick:
		case <-r.Context().Done():
			return
		case <-c.stopped():
			return
		}
	}
}

func (c *Console) streamOverview(w http.ResponseWriter, r *http.Request, ss *session) {
	c.stream(w, r, func(first bool) (any, bool) { return c.overview(first), true })
}

func (c *Console) streamTenant(w http.ResponseWriter, r *http.Request, ss *session) {
	name := r.PathValue("name")
	c.stream(w, r, func(bool) (any, bool) {
		d, ok := c.detail(name)
		return d, ok
	})
}

// served is the tenant's runtime side, or an answer saying why not.
func (c *Console) served(w http.ResponseWriter, name string) (*moonbox.Tenant, Tenant, bool) {
	for _, tn := range c.cfg.Backend.Tenants() {
		if tn.Name == name {
			if tn.Runtime == nil {
				writeJSON(w, http.StatusConflict, map[string]string{"error": "the tenant is not served: " + tn.Error})
				return nil, tn, false
			}
			return tn.Runtime, tn, true
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such tenant"})
	return nil, Tenant{}, false
}

func readBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// answer answers an action and logs who did it.
func (c *Console) answer(w http.ResponseWriter, ss *session, what, tenant string, err error, attrs ...any) {
	attrs = append([]any{"session", ss.who, "remote", ss.remote, "tenant", tenant}, attrs...)
	if err != nil {
		c.log.Warn("console: "+what+" failed", append(attrs, "err", err)...)
		code := http.StatusBadGateway
		if errors.Is(err, moonbox.ErrNotFound) {
			code = http.StatusNotFound
		}
		writeJSON(w, code, map[string]string{"error": err.Error()})
		return
	}
	c.log.Info("console: "+what, attrs...)
	writeJSON(w, http.StatusOK, map[string]string{"done": what})
}

// terminate ends a process of the tenant (TERMINATE: it gets no say).
func (c *Console) terminate(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct{ PID string }
	if err := readBody(r, &req); err != nil || req.PID == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"pid": "..."}`})
		return
	}
	t, tn, ok := c.served(w, r.PathValue("name"))
	if !ok {
		return
	}
	c.answer(w, ss, "terminated a process", tn.Name, t.Terminate(req.PID), "pid", req.PID)
}

// restart ends a service's process: its supervisor starts it again (a
// restart its intensity counts, as any other).
func (c *Console) restart(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct{ Service string }
	if err := readBody(r, &req); err != nil || req.Service == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"service": "..."}`})
		return
	}
	t, tn, ok := c.served(w, r.PathValue("name"))
	if !ok {
		return
	}
	for _, ss2 := range tn.Services {
		if ss2.Name == req.Service {
			if ss2.PID == "" {
				writeJSON(w, http.StatusConflict, map[string]string{"error": "the service is " + string(ss2.State) + ": no process to restart"})
				return
			}
			c.answer(w, ss, "restarted a service", tn.Name, t.Terminate(ss2.PID), "service", req.Service, "pid", ss2.PID)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such service"})
}

func (c *Console) rollback(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	name := r.PathValue("name")
	c.answer(w, ss, "rolled back", name, c.cfg.Backend.Rollback(ctx, name))
}

func (c *Console) undeploy(w http.ResponseWriter, r *http.Request, ss *session) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	name := r.PathValue("name")
	c.answer(w, ss, "undeployed", name, c.cfg.Backend.Undeploy(ctx, name))
}
