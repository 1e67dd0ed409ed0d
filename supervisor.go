package moonbox

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// Service is a process a Supervisor keeps running: tenant.yaml's services:.
type Service = tenants.Service

// Restart says when a service is started again (tenants.Permanent,
// tenants.Transient, tenants.Temporary).
type Restart = tenants.Restart

// Intensity bounds how a supervisor restarts a service: the wait before a
// restart starts at Backoff and doubles after each exit, up to MaxBackoff,
// and a service that needs more than MaxRestarts restarts within Within is
// marked failed and left stopped, as OTP's restart intensity does.
type Intensity struct {
	MaxRestarts int
	Within      time.Duration
	Backoff     time.Duration
	MaxBackoff  time.Duration
}

// DefaultIntensity is the intensity of [Tenant.Supervise]: 5 restarts in 30
// seconds, waits from 100 ms doubling to 5 s.
// (A function, not a variable: no package state a caller could change for
// every other user of the package.)
func DefaultIntensity() Intensity {
	return Intensity{MaxRestarts: 5, Within: 30 * time.Second, Backoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second}
}

// ServiceState is where a service is in its life.
type ServiceState string

const (
	ServiceStarting ServiceState = "starting" // being spawned
	ServiceRunning  ServiceState = "running"  // its process is alive
	ServiceBackoff  ServiceState = "backoff"  // exited, waiting to be restarted
	ServiceExited   ServiceState = "exited"   // exited and not to be restarted (its restart policy)
	ServiceFailed   ServiceState = "failed"   // restarted too often: given up
	ServiceStopped  ServiceState = "stopped"  // its supervisor stopped
)

// ServiceStatus is a service as its supervisor sees it.
type ServiceStatus struct {
	Name     string
	Source   string
	State    ServiceState
	PID      string    // its current process, "" when none is alive
	Restarts int       // times it was started again since the supervisor began
	LastExit string    // the error of its last abnormal exit, "" for none
	Since    time.Time // when it entered State
}

// Supervisor keeps a tenant's services running, one for one: each service's
// process is started registered under the service's name, and started again
// after it exits as its restart policy says, with a backoff, until it needs
// restarting too often. Its methods are safe for concurrent use.
type Supervisor struct {
	t      *Tenant
	in     Intensity
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	services []*supervised
	stopWait time.Duration
}

type supervised struct {
	svc    Service
	status ServiceStatus
}

// Supervise starts services (usually t.Config().Services) under a new
// Supervisor with intensity in (the zero Intensity is [DefaultIntensity]).
// It returns once each service's first process has been spawned (or failed
// to spawn, which counts as an abnormal exit). Restarts and give-ups are
// reported as warning events.
func (t *Tenant) Supervise(services []Service, in Intensity) *Supervisor {
	if in == (Intensity{}) {
		in = DefaultIntensity()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Supervisor{t: t, in: in, cancel: cancel}
	started := make(chan struct{}, len(services))
	for _, svc := range services {
		if svc.Source == "" {
			svc.Source = svc.Name
		}
		sv := &supervised{svc: svc, status: ServiceStatus{Name: svc.Name, Source: svc.Source, State: ServiceStarting, Since: time.Now()}}
		s.services = append(s.services, sv)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.run(ctx, sv, started)
		}()
	}
	for range services {
		<-started
	}
	return s
}

// Status reports each service, in the order they were given.
func (s *Supervisor) Status() []ServiceStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ServiceStatus, len(s.services))
	for i, sv := range s.services {
		out[i] = sv.status
	}
	return out
}

// Stop stops supervising: no service is started again, and each running one
// gets a CANCEL event with ctx's deadline (a few seconds when ctx has none)
// and is terminated if it is still alive then. It returns when every
// service's process has exited.
func (s *Supervisor) Stop(ctx context.Context) {
	wait := stopWait
	if d, ok := ctx.Deadline(); ok {
		wait = max(time.Until(d), time.Millisecond)
	}
	s.mu.Lock()
	s.stopWait = wait
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Supervisor) set(sv *supervised, f func(*ServiceStatus)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&sv.status)
}

// run keeps one service running until ctx ends.
func (s *Supervisor) run(ctx context.Context, sv *supervised, started chan<- struct{}) {
	first := true
	signal := func() {
		if first {
			first = false
			started <- struct{}{}
		}
	}
	defer signal()
	var restarts []time.Time // within the intensity window
	backoff := s.in.Backoff
	for {
		began := time.Now()
		exit, stopped := s.once(ctx, sv, signal)
		if stopped {
			s.set(sv, func(st *ServiceStatus) { st.State, st.PID, st.Since = ServiceStopped, "", time.Now() })
			return
		}
		abnormal := exit.Err != nil
		if abnormal {
			s.set(sv, func(st *ServiceStatus) { st.LastExit = exit.Err.Error() })
		}
		switch sv.svc.Restart {
		case tenants.Temporary:
			s.exited(sv)
			return
		case tenants.Transient, "":
			if !abnormal {
				s.exited(sv)
				return
			}
		}
		now := time.Now()
		if now.Sub(began) > s.in.Within {
			backoff = s.in.Backoff // it ran a while: a fresh failure, not a loop
		}
		restarts = append(restarts, now)
		for len(restarts) > 0 && now.Sub(restarts[0]) > s.in.Within {
			restarts = restarts[1:]
		}
		if len(restarts) > s.in.MaxRestarts {
			s.set(sv, func(st *ServiceStatus) { st.State, st.PID, st.Since = ServiceFailed, "", now })
			s.t.r.report(Event{Kind: EventWarning, Tenant: s.t.Name(), Source: sv.svc.Source,
				Message: fmt.Sprintf("service %s failed: more than %d restarts in %v; last exit: %v", sv.svc.Name, s.in.MaxRestarts, s.in.Within, describeExit(exit))})
			return
		}
		s.set(sv, func(st *ServiceStatus) { st.State, st.PID, st.Since = ServiceBackoff, "", now })
		s.t.r.report(Event{Kind: EventWarning, Tenant: s.t.Name(), PID: exit.PID, Source: sv.svc.Source,
			Message: fmt.Sprintf("service %s exited (%v): restarting in %v", sv.svc.Name, describeExit(exit), backoff)})
		select {
		case <-ctx.Done():
			s.set(sv, func(st *ServiceStatus) { st.State, st.Since = ServiceStopped, time.Now() })
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, s.in.MaxBackoff)
		s.set(sv, func(st *ServiceStatus) { st.Restarts++ })
	}
}

func (s *Supervisor) exited(sv *supervised) {
	s.set(sv, func(st *ServiceStatus) { st.State, st.PID, st.Since = ServiceExited, "", time.Now() })
}

func describeExit(e Exit) string {
	if e.Err == nil {
		return "normal exit"
	}
	return e.Err.Error()
}

// once starts the service's process and waits for its exit. stopped says ctx
// ended (the process was cancelled, and has exited).
func (s *Supervisor) once(ctx context.Context, sv *supervised, started func()) (exit Exit, stopped bool) {
	s.set(sv, func(st *ServiceStatus) { st.State, st.Since = ServiceStarting, time.Now() })
	args, err := encodeArgs(sv.svc.Args)
	if err != nil {
		started()
		return Exit{Err: err}, false
	}
	// A trusted gateway spawns and monitors in one step, so no exit can
	// happen unseen between the two.
	g, err := s.t.gateway()
	if err != nil {
		started()
		return Exit{Err: err}, ctx.Err() != nil
	}
	defer g.Exit(nil)
	pid, err := g.Spawn(host.SpawnRequest{ID: sv.svc.Source, Name: sv.svc.Name, Args: args, Monitor: true})
	started()
	if err != nil {
		return Exit{Err: wrap(err)}, ctx.Err() != nil
	}
	s.set(sv, func(st *ServiceStatus) { st.State, st.PID, st.Since = ServiceRunning, pid, time.Now() })
	for {
		d, err := g.Receive(ctx)
		if err != nil {
			if ctx.Err() == nil { // the gateway itself ended: the tenant is gone
				return Exit{PID: pid, Err: wrap(err)}, true
			}
			return s.cancelAndWait(g, pid), true
		}
		if d.Kind == host.DeliveryEvent && d.Event == abi.EventExit && d.From == pid {
			return exitOf(pid, d.Result), false
		}
	}
}

// cancelAndWait asks pid to stop within the supervisor's stop deadline and
// waits for its exit (the runtime terminates it at the deadline).
func (s *Supervisor) cancelAndWait(g *host.GoProcess, pid string) Exit {
	s.mu.Lock()
	wait := s.stopWait
	s.mu.Unlock()
	if wait <= 0 {
		wait = stopWait
	}
	if err := g.Control(abi.OpCancel, pid, max(wait.Milliseconds(), 1)); err != nil {
		return Exit{PID: pid} // already gone
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait+time.Second)
	defer cancel()
	for {
		d, err := g.Receive(ctx)
		if err != nil {
			_ = g.Control(abi.OpTerminate, pid, 0)
			return Exit{PID: pid, Err: wrap(err)}
		}
		if d.Kind == host.DeliveryEvent && d.Event == abi.EventExit && d.From == pid {
			return exitOf(pid, d.Result)
		}
	}
}
