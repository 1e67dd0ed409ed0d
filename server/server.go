package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/moonbox-runtime/moonbox"
	"github.com/moonbox-runtime/moonbox/server/console"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// Server is `moonbox serve`: a runtime whose tenants are deployed, redeployed,
// rolled back and undeployed over an HTTP admin API, kept in a data directory
// across restarts, and reached from outside through the ingress. It uses only
// the public API of package moonbox: everything it does, an embedding
// application can do.
type Server struct {
	cfg     *Config
	log     *slog.Logger
	rt      *moonbox.Runtime
	store   *Store
	admin   string // the admin token
	metrics *metrics
	console *console.Console

	ops sync.Mutex // one deploy, rollback or undeploy at a time

	mu      sync.RWMutex
	tenants map[string]*tenant

	ready atomic.Bool // tenants restored, not shutting down
}

// tenant is a deployed tenant as the server keeps it.
type tenant struct {
	name   string
	t      *moonbox.Tenant // nil if it failed to load at startup
	stored StoredTenant
	sup    *moonbox.Supervisor
	// restartsBefore are the service restarts of supervisors replaced by
	// a redeploy, so the metric's counter never goes back.
	restartsBefore map[string]int
	loadErr        string
}

// New opens the data directory, reads or generates the admin token, starts
// the runtime, and deploys every stored tenant with its services. A tenant
// that no longer loads (the operator lowered a ceiling) is kept, reported and
// listed with its error, never deleted. generated says the admin token was
// just generated: the caller shows it once.
func New(cfg *Config, log *slog.Logger) (s *Server, generated bool, err error) {
	store, err := OpenStore(cfg.Data)
	if err != nil {
		return nil, false, err
	}
	admin, generated, err := AdminToken(cfg)
	if err != nil {
		return nil, false, err
	}
	s = &Server{cfg: cfg, log: log, store: store, admin: admin, tenants: map[string]*tenant{}}
	s.metrics = newMetrics(s)
	s.console = s.newConsole()
	s.rt, err = moonbox.New(moonbox.Config{
		Shards:      cfg.Shards,
		Logger:      log,
		OnEvent:     func(e moonbox.Event) { s.metrics.event(e); s.console.Event(e) },
		Defaults:    cfg.Defaults,
		Ceilings:    cfg.Ceilings,
		AllowNative: cfg.AllowNative,
	})
	if err != nil {
		return nil, false, err
	}
	s.restore()
	s.console.Start()
	s.ready.Store(true)
	return s, generated, nil
}

// restore deploys the stored tenants.
func (s *Server) restore() {
	stored, err := s.store.Tenants()
	if err != nil {
		s.log.Error("reading the data directory", "err", err)
		return
	}
	ctx := context.Background()
	for _, st := range stored {
		tn := &tenant{name: st.Name, stored: st, restartsBefore: map[string]int{}}
		t, err := s.rt.Deploy(ctx, s.store.Dir(st.Name, st.Current))
		if err != nil {
			tn.loadErr = err.Error()
			s.log.Error("a stored tenant does not load: it is kept, not served", "tenant", st.Name, "version", st.Current, "err", err)
		} else {
			tn.t = t
			tn.sup = t.Supervise(t.Config().Services, moonbox.Intensity{})
			s.log.Info("tenant restored", "tenant", st.Name, "version", st.Current, "services", len(t.Config().Services))
		}
		s.mu.Lock()
		s.tenants[st.Name] = tn
		s.mu.Unlock()
	}
}

func (s *Server) tenant(name string) (*tenant, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	tn, ok := s.tenants[name]
	return tn, ok
}

func (s *Server) tenantList() []*tenant {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*tenant, 0, len(s.tenants))
	for _, tn := range s.tenants {
		out = append(out, tn)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// DeployResult is what a deploy answers.
type DeployResult struct {
	Tenant   string `json:"tenant"`
	Version  int    `json:"version"`
	Previous int    `json:"previous,omitempty"`
	Created  bool   `json:"created"`
	// Token is the tenant's API token, given once: on its first deploy.
	Token string `json:"token,omitempty"`
}

// DeployError is a deploy refused for its bundle: every problem, one a line.
type DeployError struct {
	Problems []string
}

func (e *DeployError) Error() string {
	return fmt.Sprintf("the bundle is refused: %d problem(s)", len(e.Problems))
}

// refuse lists err's problems, with the bundle's paths relative to its
// directory dir: the server's own paths are not the client's business.
func refuse(err error, dir string) *DeployError {
	var ae *ArchiveError
	if errors.As(err, &ae) {
		return &DeployError{Problems: []string{ae.Error()}}
	}
	msg := err.Error()
	if dir != "" {
		msg = strings.ReplaceAll(msg, dir+string(os.PathSeparator), "")
		msg = strings.ReplaceAll(msg, dir, ".")
	}
	return &DeployError{Problems: splitLines(msg)}
}

// Deploy unpacks a bundle archive, checks it whole, stores it and deploys it:
// a new tenant, or a new version of a deployed one (its services restarted
// on the new code). A refused bundle (a *DeployError) changes nothing.
func (s *Server) Deploy(ctx context.Context, archive []byte) (*DeployResult, error) {
	a, err := Unpack(archive, s.cfg.Uploads)
	if err != nil {
		return nil, refuse(err, "")
	}
	staged, err := s.store.Stage(a)
	if err != nil {
		return nil, fmt.Errorf("storing the bundle: %w", err)
	}
	cfg, err := s.rt.Check(staged)
	if err != nil {
		s.store.Discard(staged)
		return nil, refuse(err, staged)
	}
	name := cfg.Name

	s.ops.Lock()
	defer s.ops.Unlock()
	version, dir, err := s.store.Place(name, staged)
	if err != nil {
		s.store.Discard(staged)
		return nil, fmt.Errorf("storing the bundle: %w", err)
	}
	old, exists := s.tenant(name)
	res := &DeployResult{Tenant: name, Version: version}
	var t *moonbox.Tenant
	if exists && old.t != nil {
		t, err = s.rt.Redeploy(ctx, dir)
	} else {
		t, err = s.rt.Deploy(ctx, dir)
	}
	if err != nil {
		s.store.Discard(dir)
		return nil, refuse(err, dir)
	}
	tokenHash := ""
	if !exists {
		res.Token = newToken()
		tokenHash = tokenHash256(res.Token)
		res.Created = true
	}
	st, err := s.store.Commit(name, version, tokenHash)
	if err != nil {
		// Served but not stored: a restart would bring back the previous
		// state. Say so rather than pretend.
		s.log.Error("a deploy is served but could not be stored", "tenant", name, "version", version, "err", err)
		return nil, fmt.Errorf("storing the deploy: %w", err)
	}
	res.Previous = st.Previous
	s.swap(name, t, *st, old)
	s.metrics.deploys.WithLabelValues("deploy").Inc()
	s.log.Info("deployed", "tenant", name, "version", version, "previous", st.Previous, "created", res.Created)
	return res, nil
}

// swap starts the services of tenant name's new code (after stopping the
// old version's) and records it.
func (s *Server) swap(name string, t *moonbox.Tenant, st StoredTenant, old *tenant) {
	tn := &tenant{name: name, t: t, stored: st, restartsBefore: map[string]int{}}
	if old != nil {
		for k, v := range old.restartsBefore {
			tn.restartsBefore[k] = v
		}
		if old.sup != nil {
			stop, cancel := context.WithTimeout(context.Background(), s.cfg.Ingress.Timeout)
			old.sup.Stop(stop)
			cancel()
			for _, ss := range old.sup.Status() {
				tn.restartsBefore[ss.Name] += ss.Restarts
			}
		}
	}
	tn.sup = t.Supervise(t.Config().Services, moonbox.Intensity{})
	s.mu.Lock()
	s.tenants[name] = tn
	s.mu.Unlock()
}

// ErrNoPrevious is a rollback of a tenant with one version.
var ErrNoPrevious = errors.New("no previous version to roll back to")

// errNoTenant is an admin operation on a tenant that is not deployed.
var errNoTenant = errors.New("no such tenant")

// Rollback makes the tenant's previous version current again (and the
// current one previous, so a second rollback undoes the first).
func (s *Server) Rollback(ctx context.Context, name string) (*DeployResult, error) {
	s.ops.Lock()
	defer s.ops.Unlock()
	old, ok := s.tenant(name)
	if !ok {
		return nil, errNoTenant
	}
	if old.stored.Previous == 0 {
		return nil, ErrNoPrevious
	}
	dir := s.store.Dir(name, old.stored.Previous)
	var t *moonbox.Tenant
	var err error
	if old.t != nil {
		t, err = s.rt.Redeploy(ctx, dir)
	} else {
		t, err = s.rt.Deploy(ctx, dir)
	}
	if err != nil {
		return nil, refuse(err, dir)
	}
	st, err := s.store.Rollback(name)
	if err != nil {
		return nil, fmt.Errorf("storing the rollback: %w", err)
	}
	s.swap(name, t, *st, old)
	s.metrics.deploys.WithLabelValues("rollback").Inc()
	s.log.Info("rolled back", "tenant", name, "version", st.Current, "previous", st.Previous)
	return &DeployResult{Tenant: name, Version: st.Current, Previous: st.Previous}, nil
}

// Undeploy stops the tenant's services, ends its processes and deletes its
// stored versions.
func (s *Server) Undeploy(ctx context.Context, name string) error {
	s.ops.Lock()
	defer s.ops.Unlock()
	tn, ok := s.tenant(name)
	if !ok {
		return errNoTenant
	}
	if tn.sup != nil {
		tn.sup.Stop(ctx)
	}
	if tn.t != nil {
		if err := tn.t.Undeploy(ctx); err != nil {
			return err
		}
	}
	s.mu.Lock()
	delete(s.tenants, name)
	s.mu.Unlock()
	if err := s.store.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the stored bundle: %w", err)
	}
	s.metrics.forget(name)
	s.metrics.deploys.WithLabelValues("undeploy").Inc()
	s.log.Info("undeployed", "tenant", name)
	return nil
}

// TenantInfo is a tenant as the admin API shows it.
type TenantInfo struct {
	Name      string          `json:"name"`
	Version   int             `json:"version"`
	Previous  int             `json:"previous,omitempty"`
	Deployed  time.Time       `json:"deployed"`
	Isolation string          `json:"isolation,omitempty"`
	Processes int             `json:"processes"`
	Services  []ServiceInfo   `json:"services"`
	Limits    *tenants.Limits `json:"limits,omitempty"`
	Error     string          `json:"error,omitempty"` // why it is not served
}

// ServiceInfo is a service's status in the admin API.
type ServiceInfo struct {
	Name     string    `json:"name"`
	Source   string    `json:"source"`
	State    string    `json:"state"`
	PID      string    `json:"pid,omitempty"`
	Restarts int       `json:"restarts"`
	LastExit string    `json:"last_exit,omitempty"`
	Since    time.Time `json:"since"`
}

func (tn *tenant) info(detail bool) TenantInfo {
	i := TenantInfo{Name: tn.name, Version: tn.stored.Current, Previous: tn.stored.Previous, Deployed: tn.stored.Deployed,
		Error: tn.loadErr, Services: []ServiceInfo{}}
	if tn.t != nil {
		cfg := tn.t.Config()
		i.Isolation = string(cfg.Isolation)
		i.Processes = tn.t.Processes()
		if detail {
			i.Limits = &cfg.Limits
		}
	}
	if tn.sup != nil {
		for _, ss := range tn.sup.Status() {
			i.Services = append(i.Services, ServiceInfo{Name: ss.Name, Source: ss.Source, State: string(ss.State), PID: ss.PID,
				Restarts: tn.restartsBefore[ss.Name] + ss.Restarts, LastExit: ss.LastExit, Since: ss.Since})
		}
	}
	return i
}

// Serve answers on ln until ctx ends, then shuts down gracefully: it stops
// accepting, answers the requests in flight, stops every tenant's services
// and processes (CANCEL, with grace as the deadline) and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	hs.RegisterOnShutdown(s.console.Stop) // its event streams end
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.ready.Store(false)
	s.log.Info("shutting down: answering requests in flight, then stopping tenants", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		s.log.Warn("requests still in flight at the deadline", "err", err)
	}
	return s.Close(sctx)
}

// Close stops every tenant's services (they see CANCEL) and the runtime,
// within ctx's deadline. Stored tenants stay stored: the next start serves
// them again.
func (s *Server) Close(ctx context.Context) error {
	s.ready.Store(false)
	s.console.Stop()
	var wg sync.WaitGroup
	for _, tn := range s.tenantList() {
		if tn.sup != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tn.sup.Stop(ctx)
			}()
		}
	}
	wg.Wait()
	if err := s.rt.Close(ctx); err != nil {
		s.log.Warn("processes were terminated at the shutdown deadline", "err", err)
	}
	s.log.Info("stopped")
	return nil
}

// AdminTokenValue is the admin token in force (for the CLI's first-start
// message and for tests).
func (s *Server) AdminTokenValue() string { return s.admin }

func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
