package moonbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// fast is an intensity that gives up within the test's time: 3 restarts in
// 10 s, 1 ms to 8 ms between them.
var fast = moonbox.Intensity{MaxRestarts: 3, Within: 10 * time.Second, Backoff: time.Millisecond, MaxBackoff: 8 * time.Millisecond}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func statusOf(s *moonbox.Supervisor, name string) moonbox.ServiceStatus {
	for _, st := range s.Status() {
		if st.Name == name {
			return st
		}
	}
	return moonbox.ServiceStatus{}
}

func TestSupervise(t *testing.T) {
	for _, mode := range []string{"sandbox", "native"} {
		t.Run(mode, func(t *testing.T) { testSupervise(t, mode) })
	}
}

// bundleIn copies the bundle in dir to a temporary directory with
// isolation: mode added to its tenant.yaml.
func bundleIn(t *testing.T, dir, mode string) string {
	t.Helper()
	out := t.TempDir()
	if err := os.CopyFS(out, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(filepath.Join(out, "tenant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "tenant.yaml"), append([]byte("isolation: "+mode+"\n"), cfg...), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

func testSupervise(t *testing.T, mode string) {
	ctx := context.Background()
	var mu sync.Mutex
	var events []moonbox.Event
	rt, err := moonbox.New(moonbox.Config{
		AllowNative: true,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnEvent: func(e moonbox.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	ten, err := rt.Deploy(ctx, bundleIn(t, "testdata/services", mode))
	if err != nil {
		t.Fatal(err)
	}
	sup := ten.Supervise(ten.Config().Services, fast)

	// A service is reachable by its name as soon as Supervise returns.
	reply, err := ten.Call(ctx, "echo", "ping", 42)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Prefix string `json:"prefix"`
		Got    int    `json:"got"`
		PID    string `json:"pid"`
	}
	if err := reply.Decode(&r); err != nil || r.Prefix != "hello" || r.Got != 42 {
		t.Fatalf("reply %v (%v)", reply, err)
	}

	// Crashed, it is restarted one for one: a new PID under the same name,
	// the other services untouched.
	jobBefore := statusOf(sup, "graceful").PID
	if _, err := ten.Call(ctx, "echo", "crash"); err == nil {
		t.Fatal("a crashing service answered")
	}
	waitFor(t, "echo's restart", func() bool {
		st := statusOf(sup, "echo")
		return st.State == moonbox.ServiceRunning && st.Restarts == 1 && st.PID != r.PID
	})
	if st := statusOf(sup, "echo"); st.LastExit == "" {
		t.Errorf("echo's last exit is not recorded: %+v", st)
	}
	if _, err := ten.Call(ctx, "echo", "ping", 1); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if got := statusOf(sup, "graceful").PID; got != jobBefore {
		t.Errorf("graceful was restarted with echo: %s → %s", jobBefore, got)
	}

	// A crash loop ends in failed after the intensity.
	waitFor(t, "crasher to fail", func() bool { return statusOf(sup, "crasher").State == moonbox.ServiceFailed })
	if st := statusOf(sup, "crasher"); st.Restarts != fast.MaxRestarts {
		t.Errorf("crasher restarted %d times, want %d", st.Restarts, fast.MaxRestarts)
	}
	// Transient after a normal exit: not restarted. Permanent: restarted.
	waitFor(t, "once to exit", func() bool { return statusOf(sup, "once").State == moonbox.ServiceExited })
	if st := statusOf(sup, "once"); st.Restarts != 0 {
		t.Errorf("a transient service restarted after a normal exit: %+v", st)
	}
	waitFor(t, "the permanent job to fail", func() bool { return statusOf(sup, "job").State == moonbox.ServiceFailed })

	mu.Lock()
	failed := slices.ContainsFunc(events, func(e moonbox.Event) bool {
		return e.Kind == moonbox.EventWarning && e.Source == "crasher" && e.Tenant == "svc"
	})
	mu.Unlock()
	if !failed {
		t.Error("no warning event for the crash loop")
	}

	// Stop cancels: graceful sees CANCEL and exits normally; echo, which
	// does not listen for it, is terminated at the deadline.
	stopCtx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	sup.Stop(stopCtx)
	for _, st := range sup.Status() {
		if st.State == moonbox.ServiceRunning || st.State == moonbox.ServiceStarting {
			t.Errorf("after Stop: %+v", st)
		}
	}
	mu.Lock()
	sawCancel := slices.ContainsFunc(events, func(e moonbox.Event) bool {
		return e.Kind == moonbox.EventPrint && e.Message == "graceful: cancelled, leaving"
	})
	mu.Unlock()
	if !sawCancel {
		t.Error("graceful did not see CANCEL")
	}
	if _, err := ten.Call(ctx, "echo", "ping", 1); !errors.Is(err, moonbox.ErrNotFound) {
		t.Errorf("a stopped service answers: %v", err)
	}
}

// A tenant's services (tenant.yaml's services:) kept running: started
// registered under their names, restarted one for one when they fail.
func ExampleTenant_Supervise() {
	ctx := context.Background()
	rt, err := moonbox.New(moonbox.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)
	t, err := rt.Deploy(ctx, "testdata/services")
	if err != nil {
		log.Fatal(err)
	}
	echo := t.Config().Services[0] // name: echo, args: [hello]
	sup := t.Supervise([]moonbox.Service{echo}, moonbox.DefaultIntensity())
	defer func() { // CANCEL, and a terminate 100 ms later (echo does not listen for CANCEL)
		stop, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		sup.Stop(stop)
	}()

	reply, _ := t.Call(ctx, "echo", "ping", "world")
	var r struct{ Prefix, Got string }
	reply.Decode(&r)
	fmt.Println(r.Prefix, r.Got)

	t.Call(ctx, "echo", "crash") // it fails; its supervisor starts it again
	for sup.Status()[0].Restarts == 0 || sup.Status()[0].State != moonbox.ServiceRunning {
		time.Sleep(time.Millisecond)
	}
	st := sup.Status()[0]
	fmt.Println(st.Name, st.State, st.Restarts)
	// Output:
	// hello world
	// echo running 1
}
