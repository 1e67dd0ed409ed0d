package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/moonbox-runtime/moonbox"
	"github.com/moonbox-runtime/moonbox/server/console"
)

// IngressActor is the security actor of requests from outside: a tenant's
// policy names it to say which processes the outside may call.
const IngressActor = "ingress"

// DefaultTopic is the topic of an ingress call that names none.
const DefaultTopic = "call"

// TopicHeader names the topic of an ingress call when the path does not.
const TopicHeader = "X-Moonbox-Topic"

// Handler is the server's HTTP interface:
//
//	GET    /healthz                         200 while the process serves
//	GET    /readyz                          200 once tenants are restored, 503 while shutting down
//	GET    /metrics                         Prometheus metrics
//	POST   /admin/tenants                   deploy a bundle (.tar.gz or .zip body): a new tenant or a new version
//	GET    /admin/tenants                   every tenant with its services
//	GET    /admin/tenants/{name}            one tenant
//	POST   /admin/tenants/{name}/rollback   back to the previous version
//	DELETE /admin/tenants/{name}[?grace=D]  undeploy: CANCEL to its processes, terminated after D (5s)
//	POST   /t/{tenant}/call/{name}[/{topic}]  the JSON body to the process registered as name, its reply as JSON
//	GET    /ui/                             the operator console (package console; a login with the admin token)
//
// /admin needs the admin token, /t/{tenant} the tenant's API token, each as
// "Authorization: Bearer TOKEN".
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready\n", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", s.metrics.handler())
	mux.HandleFunc("POST /admin/tenants", s.requireAdmin(s.deploy, "deploy"))
	mux.HandleFunc("GET /admin/tenants", s.requireAdmin(s.list, "list"))
	mux.HandleFunc("GET /admin/tenants/{name}", s.requireAdmin(s.show, "show"))
	mux.HandleFunc("POST /admin/tenants/{name}/rollback", s.requireAdmin(s.rollback, "rollback"))
	mux.HandleFunc("DELETE /admin/tenants/{name}", s.requireAdmin(s.undeploy, "undeploy"))
	mux.HandleFunc("POST /t/{tenant}/call/{name}", s.call)
	mux.HandleFunc("POST /t/{tenant}/call/{name}/{topic}", s.call)
	mux.Handle(console.Prefix+"/", s.console.Handler())
	mux.Handle("GET "+console.Prefix, http.RedirectHandler(console.Prefix+"/", http.StatusMovedPermanently))
	return mux
}

// apiError is the body of every error answer.
type apiError struct {
	Error struct {
		Kind     string   `json:"kind"`
		Message  string   `json:"message"`
		Problems []string `json:"problems,omitempty"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, kind moonbox.Kind, msg string, problems ...string) {
	var e apiError
	e.Error.Kind, e.Error.Message, e.Error.Problems = string(kind), msg, problems
	writeJSON(w, code, e)
}

// statusOf maps an error kind to an HTTP status.
func statusOf(k moonbox.Kind) int {
	switch k {
	case moonbox.KindInvalid:
		return http.StatusBadRequest
	case moonbox.KindNotFound:
		return http.StatusNotFound
	case moonbox.KindPermissionDenied:
		return http.StatusForbidden
	case moonbox.KindAlreadyExists:
		return http.StatusConflict
	case moonbox.KindUnavailable, moonbox.KindCanceled:
		return http.StatusServiceUnavailable
	case moonbox.KindTimeout:
		return http.StatusGatewayTimeout
	case moonbox.KindRateLimited:
		return http.StatusTooManyRequests
	case moonbox.KindInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadGateway // the process failed in its own way
}

// bearer is the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	return strings.TrimSpace(tok), ok && strings.TrimSpace(tok) != ""
}

// requireAdmin wraps an admin endpoint: the admin token or 401, nothing done.
func (s *Server) requireAdmin(h func(http.ResponseWriter, *http.Request), op string) http.HandlerFunc {
	want := tokenHash256(s.admin)
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearer(r)
		if !ok || !sameToken(tokenHash256(tok), want) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="moonbox admin"`)
			writeError(w, http.StatusUnauthorized, moonbox.KindPermissionDenied, "the admin API needs the admin token: Authorization: Bearer TOKEN")
			s.metrics.admin.WithLabelValues(op, "401").Inc()
			return
		}
		rec := &codeRecorder{ResponseWriter: w, code: 200}
		h(rec, r)
		s.metrics.admin.WithLabelValues(op, fmt.Sprint(rec.code)).Inc()
	}
}

type codeRecorder struct {
	http.ResponseWriter
	code int
}

func (c *codeRecorder) WriteHeader(code int) {
	c.code = code
	c.ResponseWriter.WriteHeader(code)
}

func (s *Server) deploy(w http.ResponseWriter, r *http.Request) {
	limit := s.cfg.Uploads.MaxSize + 1<<20 // compressed, a bundle is smaller than its files (plus headers)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, moonbox.KindInvalid, fmt.Sprintf("the upload is larger than %s", sizeOf(limit)))
			return
		}
		writeError(w, http.StatusBadRequest, moonbox.KindInvalid, "reading the upload: "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := s.Deploy(ctx, body)
	if err != nil {
		s.adminError(w, err)
		return
	}
	code := http.StatusOK
	if res.Created {
		code = http.StatusCreated
	}
	writeJSON(w, code, res)
}

func (s *Server) adminError(w http.ResponseWriter, err error) {
	var de *DeployError
	switch {
	case errors.As(err, &de):
		writeError(w, http.StatusBadRequest, moonbox.KindInvalid, "the bundle is refused, nothing changed", de.Problems...)
	case errors.Is(err, errNoTenant):
		writeError(w, http.StatusNotFound, moonbox.KindNotFound, "no such tenant")
	case errors.Is(err, ErrNoPrevious):
		writeError(w, http.StatusConflict, moonbox.KindInvalid, err.Error())
	default:
		s.log.Error("admin request failed", "err", err)
		writeError(w, http.StatusInternalServerError, moonbox.KindInternal, err.Error())
	}
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	out := []TenantInfo{}
	for _, tn := range s.tenantList() {
		out = append(out, tn.info(false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"tenants": out})
}

func (s *Server) show(w http.ResponseWriter, r *http.Request) {
	tn, ok := s.tenant(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, moonbox.KindNotFound, "no such tenant")
		return
	}
	writeJSON(w, http.StatusOK, tn.info(true))
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), time.Minute)
	defer cancel()
	res, err := s.Rollback(ctx, r.PathValue("name"))
	if err != nil {
		s.adminError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// undeployGrace is how long an undeployed tenant's processes get to leave
// after CANCEL, unless the request says (?grace=D, at most maxGrace).
const (
	undeployGrace = 5 * time.Second
	maxGrace      = time.Minute
)

func (s *Server) undeploy(w http.ResponseWriter, r *http.Request) {
	grace := undeployGrace
	if g := r.URL.Query().Get("grace"); g != "" {
		d, err := time.ParseDuration(g)
		if err != nil || d < 0 || d > maxGrace {
			writeError(w, http.StatusBadRequest, moonbox.KindInvalid, fmt.Sprintf("grace=%q: want a duration from 0s to %v", g, maxGrace))
			return
		}
		grace = max(d, time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := s.Undeploy(ctx, r.PathValue("name")); err != nil {
		s.adminError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// noTenant is the hash a token is compared with when the tenant does not
// exist, so the answer and its timing are those of a wrong token.
var noTenant = tokenHash256(newToken())

// call is the ingress: POST /t/{tenant}/call/{name}[/{topic}].
func (s *Server) call(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	label := "" // the tenant, once the token proves it: no label for strangers
	code := http.StatusOK
	defer func() { s.metrics.request(label, code, time.Since(start)) }()
	fail := func(c int, kind moonbox.Kind, msg string) {
		code = c
		writeError(w, c, kind, msg)
	}
	if !s.ready.Load() {
		fail(http.StatusServiceUnavailable, moonbox.KindUnavailable, "the server is shutting down")
		return
	}
	tok, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="moonbox"`)
		fail(http.StatusUnauthorized, moonbox.KindPermissionDenied, "a tenant's API token is needed: Authorization: Bearer TOKEN")
		return
	}
	tn, exists := s.tenant(r.PathValue("tenant"))
	want := noTenant
	if exists {
		want = tn.stored.TokenHash
	}
	if !sameToken(tokenHash256(tok), want) || !exists {
		fail(http.StatusNotFound, moonbox.KindNotFound, "no such tenant for this token")
		return
	}
	label = tn.name
	if tn.t == nil {
		fail(http.StatusServiceUnavailable, moonbox.KindUnavailable, "the tenant is not being served: "+tn.loadErr)
		return
	}
	topic := r.PathValue("topic")
	if topic == "" {
		topic = r.Header.Get(TopicHeader)
	}
	if topic == "" {
		topic = DefaultTopic
	}
	if strings.HasPrefix(topic, "@") {
		fail(http.StatusBadRequest, moonbox.KindInvalid, "a topic must not start with @")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.Ingress.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			fail(http.StatusRequestEntityTooLarge, moonbox.KindInvalid, fmt.Sprintf("the body is larger than %s", sizeOf(s.cfg.Ingress.MaxBody)))
			return
		}
		fail(http.StatusBadRequest, moonbox.KindInvalid, "reading the body: "+err.Error())
		return
	}
	var payload []any
	if len(bytes.TrimSpace(body)) > 0 {
		v, err := decodeJSON(body)
		if err != nil {
			fail(http.StatusBadRequest, moonbox.KindInvalid, "the body is not JSON: "+err.Error())
			return
		}
		payload = []any{v}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Ingress.Timeout)
	defer cancel()
	callStart := time.Now()
	reply, err := ingressCall(ctx, tn.t, r.PathValue("name"), topic, payload...)
	s.metrics.call(label, time.Since(callStart))
	if err != nil {
		kind, msg := moonbox.KindOf(err), err.Error()
		var me *moonbox.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			kind, msg = moonbox.KindTimeout, fmt.Sprintf("no reply from %s within %v", r.PathValue("name"), s.cfg.Ingress.Timeout)
		case errors.As(err, &me):
			msg = me.Message
		}
		fail(statusOf(kind), kind, msg)
		return
	}
	if e, ok := reply.Any().(*moonbox.Error); ok { // the process answered with an error object
		fail(statusOf(e.Kind), e.Kind, e.Message)
		return
	}
	out, err := json.Marshal(reply)
	if err != nil {
		fail(http.StatusBadGateway, moonbox.KindInvalid, "the reply has no JSON form: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(out, '\n'))
}

// decodeJSON reads one JSON value with its integers as int64 (Lua integers)
// and other numbers as float64. A number no float64 holds (1e400) is an
// error, not an infinity.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more than one JSON value")
	}
	return numbers(v)
}

func numbers(v any) (any, error) {
	var err error
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Errorf("the number %.40s is out of range", x)
		}
		return f, nil
	case []any:
		for i := range x {
			if x[i], err = numbers(x[i]); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range x {
			if x[k], err = numbers(x[k]); err != nil {
				return nil, err
			}
		}
	}
	return v, nil
}

// ingressCall is one request of the outside to a tenant's process: a
// Go-side process acting as IngressActor makes the call, so the tenant's
// policy decides which of its processes the outside may reach
// (p, ingress, process.send, api, allow), and exits with the request.
func ingressCall(ctx context.Context, t *moonbox.Tenant, dest, topic string, payload ...any) (moonbox.Value, error) {
	p, err := t.NewProcessWith(ctx, moonbox.ProcessOptions{Actor: IngressActor})
	if err != nil {
		return moonbox.Value{}, err
	}
	defer p.Exit(nil)
	return p.Call(ctx, dest, topic, payload...)
}
