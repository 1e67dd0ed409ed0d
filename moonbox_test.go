package moonbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// pluginsDir holds the plugin bundles of examples/plugin-host, which the
// tests deploy too (with files added or replaced where a test needs).
const pluginsDir = "examples/plugin-host/plugins"

// modes runs a test in the sandbox and natively: a bundle copied with
// isolation: native, under a runtime that allows it.
func modes(t *testing.T, f func(t *testing.T, native bool)) {
	for _, native := range []bool{false, true} {
		name := "sandbox"
		if native {
			name = "native"
		}
		t.Run(name, func(t *testing.T) { f(t, native) })
	}
}

// bundle copies the plugin-host example's plugins/name to a temporary directory, natively
// isolated if asked, with extra files (path → content).
func bundle(t *testing.T, name string, native bool, extra map[string]string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	src := filepath.Join(pluginsDir, name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if native {
		extra = mergeFiles(extra, map[string]string{"tenant.yaml": readFile(t, filepath.Join(src, "tenant.yaml")) + "isolation: native\n"})
	}
	for path, text := range extra {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, path), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func mergeFiles(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// events records what a runtime reports.
type events struct {
	mu  sync.Mutex
	all []moonbox.Event
}

func (e *events) add(ev moonbox.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// wait returns the first event that matches, waiting up to a few seconds.
func (e *events) wait(t *testing.T, match func(moonbox.Event) bool) moonbox.Event {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		e.mu.Lock()
		for _, ev := range e.all {
			if match(ev) {
				e.mu.Unlock()
				return ev
			}
		}
		e.mu.Unlock()
	}
	t.Fatalf("no such event among %d", len(e.all))
	return moonbox.Event{}
}

func newRuntime(t *testing.T, cfg moonbox.Config) (*moonbox.Runtime, *events) {
	t.Helper()
	ev := &events{}
	cfg.OnEvent = ev.add
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rt, err := moonbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Processes that ignore CANCEL are terminated after this.
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		rt.Close(ctx)
	})
	return rt, ev
}

func deploy(t *testing.T, rt *moonbox.Runtime, dir string) *moonbox.Tenant {
	t.Helper()
	ten, err := rt.Deploy(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

// kv serves process.call("kv", host, op, key) with a map.
func kv(ten *moonbox.Tenant) {
	var mu sync.Mutex
	m := map[string]int{}
	ten.Handle("kv", func(ctx context.Context, req *moonbox.Request) (any, error) {
		var op, key string
		if len(req.Args) != 2 || req.Args[0].Decode(&op) != nil || req.Args[1].Decode(&key) != nil {
			return nil, &moonbox.Error{Kind: moonbox.KindInvalid, Message: "usage: OP KEY"}
		}
		mu.Lock()
		defer mu.Unlock()
		switch op {
		case "incr":
			m[key]++
			return m[key], nil
		case "get":
			return m[key], nil
		case "panic":
			panic("kv bug")
		case "block":
			<-ctx.Done() // until its process is ended
			return nil, ctx.Err()
		}
		return nil, &moonbox.Error{Kind: moonbox.KindNotFound, Message: "no operation " + op}
	})
}

func TestLuaCallsGoAndGoCallsLua(t *testing.T) {
	modes(t, func(t *testing.T, native bool) {
		rt, _ := newRuntime(t, moonbox.Config{AllowNative: native})
		ten := deploy(t, rt, bundle(t, "acme", native, nil))
		kv(ten)
		ctx := context.Background()
		audit, err := ten.NewProcess(ctx, "audit")
		if err != nil {
			t.Fatal(err)
		}
		api, err := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 3; i++ {
			v, err := ten.Call(ctx, "api", "greet", "ann")
			if err != nil {
				t.Fatal(err)
			}
			var r struct {
				Greeting string
				Count    int64
			}
			if err := v.Decode(&r); err != nil || r.Greeting != "hello, ann" || r.Count != int64(i) {
				t.Fatalf("reply %d: %v (%+v, %v)", i, v, r, err)
			}
			msg, err := audit.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if msg.From != api || msg.Topic != "greeted" || len(msg.Args) != 2 || msg.Args[1].String() != strconv.Itoa(i) {
				t.Fatalf("audit got %+v", msg)
			}
		}
		// The sender of a Call is a process the reply reaches; Send's sender
		// exits at once, so the reply to it goes nowhere, quietly.
		if err := ten.Send(ctx, "api", "greet", "bob"); err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPolicyDeniesAndCrashesStayInside(t *testing.T) {
	modes(t, func(t *testing.T, native bool) {
		rt, ev := newRuntime(t, moonbox.Config{AllowNative: native})
		acme := deploy(t, rt, bundle(t, "acme", native, nil))
		evil := deploy(t, rt, bundle(t, "evil", native, nil))
		kv(acme)
		kv(evil)
		ctx := context.Background()

		_, err := evil.Exec(ctx, "steal")
		if !errors.Is(err, moonbox.ErrPermissionDenied) || !strings.Contains(err.Error(), "process.call on kv") {
			t.Fatalf("steal: %v", err)
		}
		d := ev.wait(t, func(e moonbox.Event) bool { return e.Kind == moonbox.EventDenied })
		if d.Tenant != "evil" || d.Action != "process.call" || d.Resource != "kv" || d.Subject != "steal" {
			t.Errorf("denial event %+v", d)
		}

		_, err = evil.Exec(ctx, "crash")
		if err == nil || !strings.Contains(err.Error(), "plugin bug: index out of range") {
			t.Fatalf("crash: %v", err)
		}
		x := ev.wait(t, func(e moonbox.Event) bool { return e.Kind == moonbox.EventExit && e.Source == "crash" })
		if x.Tenant != "evil" || x.PID == "" {
			t.Errorf("exit event %+v", x)
		}
		// acme does not notice.
		if v, err := acme.Exec(ctx, "greeter", "ann"); err != nil || v.String() != `"hello, ann"` {
			t.Fatalf("acme after evil's crash: %v %v", v, err)
		}
		// Another tenant's processes and names do not exist for a tenant.
		pid, err := acme.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api")
		if err != nil {
			t.Fatal(err)
		}
		if err := evil.Send(ctx, pid, "greet", "x"); !errors.Is(err, moonbox.ErrNotFound) {
			t.Errorf("evil sending to acme's PID: %v", err)
		}
		if _, err := evil.Call(ctx, "api", "greet", "x"); !errors.Is(err, moonbox.ErrNotFound) {
			t.Errorf("evil calling acme's name: %v", err)
		}
	})
}

func TestMemoryBombIsALimitKill(t *testing.T) {
	rt, ev := newRuntime(t, moonbox.Config{Defaults: moonbox.Limits{Memory: 64 << 20}})
	evil := deploy(t, rt, bundle(t, "evil", false, nil))
	_, err := evil.Exec(context.Background(), "bomb")
	if !errors.Is(err, moonbox.ErrUnavailable) || !strings.Contains(err.Error(), "memory limit exceeded") {
		t.Fatalf("bomb: %v", err)
	}
	ev.wait(t, func(e moonbox.Event) bool { return e.Kind == moonbox.EventLimit && e.Source == "bomb" })
}

func TestGoHandlerFailures(t *testing.T) {
	modes(t, func(t *testing.T, native bool) {
		rt, ev := newRuntime(t, moonbox.Config{AllowNative: native})
		ten := deploy(t, rt, bundle(t, "acme", native, map[string]string{
			"policy.csv": "p, *, process.*, *, allow\n",
			"use.lua": `return function(op)
  local v, err = process.call("kv", "app:processes", op, "k")
  if err then return { kind = err:kind(), message = err:message() } end
  return v
end`,
		}))
		kv(ten)
		ctx := context.Background()
		check := func(op, kind, text string) {
			t.Helper()
			v, err := ten.Exec(ctx, "use", op)
			if err != nil {
				t.Fatal(err)
			}
			var r struct{ Kind, Message string }
			if err := v.Decode(&r); err != nil || r.Kind != kind || !strings.Contains(r.Message, text) {
				t.Errorf("%s: %v", op, v)
			}
		}
		check("nope", "NOT_FOUND", "no operation nope")
		check("panic", "INTERNAL", "kv bug")
		ev.wait(t, func(e moonbox.Event) bool {
			return e.Kind == moonbox.EventWarning && strings.Contains(e.Message, "panicked")
		})
		// The runtime goes on.
		if v, err := ten.Exec(ctx, "use", "incr"); err != nil || v.String() != "1" {
			t.Fatalf("after the panic: %v %v", v, err)
		}
	})
}

func TestCallDeadlineAndExitBeforeReply(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"silent.lua": `return function() process.inbox():receive(); return "bye" end`,
	}))
	ctx := context.Background()
	if _, err := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "silent"}, "silent"); err != nil {
		t.Fatal(err)
	}
	// silent takes the message and exits without a reply.
	_, err := ten.Call(ctx, "silent", "hello")
	if !errors.Is(err, moonbox.ErrUnavailable) || !strings.Contains(err.Error(), "exited before replying") {
		t.Fatalf("call of a process that exits: %v", err)
	}
	if _, err := ten.Call(ctx, "nobody", "hello"); !errors.Is(err, moonbox.ErrNotFound) {
		t.Fatalf("call of nobody: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	blocker, _ := ten.NewProcess(ctx, "blocker") // a Go process that never answers
	if _, err := ten.Call(short, "blocker", "hello"); !errors.Is(err, context.DeadlineExceeded) || moonbox.KindOf(err) != moonbox.KindTimeout {
		t.Fatalf("call past its deadline: %v", err)
	}
	msg, err := blocker.Receive(ctx)
	if err != nil || msg.Topic != "hello" {
		t.Fatalf("blocker got %+v %v", msg, err)
	}
}

func TestUndeployEndsEverything(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"stubborn.lua": `return function() while true do process.inbox():receive() end end`,
		"policy.csv":   readFile(t, pluginsDir+"/acme/policy.csv") + "p, watcher, process.monitor, *, allow\n",
	}))
	ctx := context.Background()
	kv(ten)
	api, _ := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api") // stops on CANCEL
	stubborn, _ := ten.Spawn(ctx, "stubborn")                              // ignores it
	watcher, _ := ten.NewProcess(ctx, "watcher")
	for _, pid := range []string{api, stubborn} {
		if err := watcher.Monitor(pid); err != nil {
			t.Fatal(err)
		}
	}
	if ten.Processes() != 3 {
		t.Fatalf("%d processes", ten.Processes())
	}
	uctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := ten.Undeploy(uctx); err != nil {
		t.Fatal(err)
	}
	if n := ten.Processes(); n != 0 {
		t.Errorf("%d processes after undeploy", n)
	}
	if _, ok := rt.Tenant("acme"); ok {
		t.Error("tenant still listed")
	}
	if _, err := ten.Spawn(ctx, "api"); err == nil {
		t.Error("spawn in an undeployed tenant")
	}
	// The watcher saw api stop by itself and stubborn be terminated, then
	// was ended itself.
	got := map[string]string{}
	for {
		msg, err := watcher.Receive(ctx)
		if err != nil {
			break
		}
		if msg.Kind == moonbox.KindExit {
			got[msg.From] = msg.Exit.Value.String()
			if msg.Exit.Err != nil {
				got[msg.From] = msg.Exit.Err.Error()
			}
		}
	}
	if got[api] != `"stopped"` || !strings.Contains(got[stubborn], "tenant removed") {
		t.Errorf("exits seen: %v", got)
	}
	// The name is free for a new deploy of the same bundle.
	again := deploy(t, rt, bundle(t, "acme", false, nil))
	if _, err := again.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api"); err != nil {
		t.Fatal(err)
	}
	if err := ten.Send(ctx, api, "greet", "x"); err == nil {
		t.Error("the old tenant's PID reached the new tenant")
	}
}

func TestOperatorDecides(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{Ceilings: moonbox.Limits{Processes: 100}})
	_, err := rt.Deploy(context.Background(), bundle(t, "acme", false, nil))
	if err == nil || !strings.Contains(err.Error(), "tenant.yaml:5: limits.processes: asks for 1000; the operator allows at most 100") {
		t.Fatalf("over the ceiling: %v", err)
	}
	_, err = rt.Deploy(context.Background(), bundle(t, "evil", true, nil))
	if err == nil || !strings.Contains(err.Error(), "native isolation (no sandbox) is not allowed") {
		t.Fatalf("native by default: %v", err)
	}
	if len(rt.Tenants()) != 0 {
		t.Fatal("a refused bundle was deployed")
	}
	// Every problem at once, nothing deployed.
	rt, _ = newRuntime(t, moonbox.Config{})
	dir := bundle(t, "evil", false, map[string]string{
		"policy.csv":  "p, a, process.sned, *, allow\n",
		"broken.lua":  "return function( end",
		"tenant.yaml": "name: evil\npolicy: policy.csv\nlimits:\n  mailbox: 0\n",
	})
	_, err = rt.Deploy(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "limits.mailbox") {
		t.Fatalf("malformed bundle: %v", err)
	}
	dir = bundle(t, "evil", false, map[string]string{
		"policy.csv": "p, a, process.sned, *, allow\n",
		"broken.lua": "return function( end",
	})
	_, err = rt.Deploy(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "process.sned") || !strings.Contains(err.Error(), "broken.lua") {
		t.Fatalf("malformed bundle: %v", err)
	}
	if _, err := moonbox.New(moonbox.Config{Ceilings: moonbox.Limits{Mailbox: -1}}); err == nil {
		t.Error("negative ceiling accepted")
	}
}

func TestRedeploySwapsCodeForNewSpawns(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ctx := context.Background()
	v1 := bundle(t, "acme", false, map[string]string{"version.lua": `return function() return 1 end`})
	ten := deploy(t, rt, v1)
	if v, _ := ten.Exec(ctx, "version"); v.String() != "1" {
		t.Fatalf("v1: %v", v)
	}
	v2 := bundle(t, "acme", false, map[string]string{"version.lua": `return function() return 2 end`})
	if _, err := rt.Redeploy(ctx, v2); err != nil {
		t.Fatal(err)
	}
	if v, _ := ten.Exec(ctx, "version"); v.String() != "2" {
		t.Fatalf("v2: %v", v)
	}
	bad := bundle(t, "acme", false, map[string]string{"version.lua": `return function( end`})
	if _, err := rt.Redeploy(ctx, bad); err == nil {
		t.Fatal("a broken redeploy was taken")
	}
	if v, _ := ten.Exec(ctx, "version"); v.String() != "2" {
		t.Fatalf("after a refused redeploy: %v", v)
	}
}

func TestValuesCrossBothWays(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"echo.lua": `return function(...) return { ... } end`,
	}))
	type item struct {
		Name  string   `json:"name"`
		Tags  []string `json:"tags"`
		Price float64  `json:"price"`
	}
	in := item{Name: "x", Tags: []string{"a", "b"}, Price: 1.5}
	v, err := ten.Exec(context.Background(), "echo", in, []byte("raw\x00"), 42)
	if err != nil {
		t.Fatal(err)
	}
	var out []moonbox.Value
	if err := v.Decode(&out); err != nil {
		t.Fatal(err)
	}
	var back item
	if err := out[0].Decode(&back); err != nil || back.Name != "x" || len(back.Tags) != 2 || back.Price != 1.5 {
		t.Errorf("struct: %+v %v", back, err)
	}
	if s := out[1].Any(); s != "raw\x00" {
		t.Errorf("bytes: %q", s)
	}
	if s := out[2].String(); s != "42" {
		t.Errorf("int: %s", s)
	}
	if _, err := ten.Exec(context.Background(), "echo", make(chan int)); !errors.Is(err, moonbox.ErrInvalid) {
		t.Errorf("a channel: %v", err)
	}
	if v, err := ten.Exec(context.Background(), "echo", &moonbox.Error{Kind: moonbox.KindTimeout, Message: "slow"}); err != nil {
		t.Fatal(err)
	} else {
		var errs []*moonbox.Error
		if err := v.Decode(&errs); err != nil || len(errs) != 1 || errs[0].Kind != moonbox.KindTimeout || errs[0].Message != "slow" {
			t.Errorf("error object: %v %v", v, err)
		}
	}
}

func TestCloseCancelsProcesses(t *testing.T) {
	rt, err := moonbox.New(moonbox.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ten := deploy(t, rt, bundle(t, "acme", false, nil))
	ctx := context.Background()
	kv(ten)
	watcher, _ := ten.NewProcess(ctx, "w")
	api, _ := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api")
	if err := watcher.Monitor(api); err == nil || !errors.Is(err, moonbox.ErrPermissionDenied) {
		t.Fatalf("a Go process's monitor is checked: %v", err)
	}
	if _, err := rt.Redeploy(ctx, bundle(t, "acme", false, map[string]string{
		"policy.csv": readFile(t, pluginsDir+"/acme/policy.csv") + "p, w, process.monitor, *, allow\n",
	})); err != nil {
		t.Fatal(err)
	}
	if err := watcher.Monitor(api); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := rt.Close(cctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	msg, err := watcher.Receive(ctx)
	for err == nil && msg.Kind == moonbox.KindCancel { // the watcher is asked to stop too
		msg, err = watcher.Receive(ctx)
	}
	if err != nil || msg.Kind != moonbox.KindExit || msg.Exit.Value.String() != `"stopped"` {
		t.Fatalf("api's exit: %+v %v", msg, err)
	}
	if _, err := rt.Deploy(ctx, bundle(t, "evil", false, nil)); !errors.Is(err, moonbox.ErrClosed) {
		t.Errorf("deploy after close: %v", err)
	}
}

func TestStatsAndTop(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"busy.lua":   `return function(n) local x = 0 for i = 1, n do x = x + i end return x end`,
		"sleepy.lua": `return function() channel.new():receive() end`, // never reads its inbox
		"policy.csv": "p, busy, process.send, **, allow\n",
	}))
	ctx := context.Background()
	if _, err := ten.Exec(ctx, "busy", 100_000); err != nil {
		t.Fatal(err)
	}
	pid, _ := ten.Spawn(ctx, "sleepy")
	before := ten.Stats()
	for range 3 {
		// Sends from the application queue up in sleepy's mailbox.
		ten.Send(ctx, pid, "ping")
	}
	_, err := ten.Exec(ctx, "steal-nothing")
	if err == nil {
		t.Fatal("missing source ran")
	}
	s := ten.Stats()
	if s.Spawns < 2 || s.Messages-before.Messages != 3 || s.Instructions < 100_000 || s.Processes != 1 || s.Instances == 0 || s.Memory == 0 {
		t.Errorf("stats %+v", s)
	}
	_, mail := ten.Top(5)
	if len(mail) != 1 || mail[0].PID != pid || mail[0].Mailbox != 3 {
		t.Errorf("top mailboxes %+v", mail)
	}
}

func TestGoProcessCallIsCheckedAndKeepsOtherMessages(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"policy.csv": readFile(t, pluginsDir+"/acme/policy.csv") + "p, ingress, process.send, api, allow\np, api, process.send, ingress, allow\n",
	}))
	kv(ten)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ten.NewProcess(ctx, "audit")
	if _, err := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api"); err != nil {
		t.Fatal(err)
	}
	in, err := ten.NewProcessWith(ctx, moonbox.ProcessOptions{Actor: "ingress"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ten.NewProcessWith(ctx, moonbox.ProcessOptions{Actor: "outsider"})
	if _, err := other.Call(ctx, "api", "greet", "x"); !errors.Is(err, moonbox.ErrPermissionDenied) {
		t.Fatalf("an actor without a rule: %v", err)
	}
	// A message from elsewhere, queued before the reply: Receive gets it after the call.
	if err := ten.Send(ctx, in.PID(), "note", "hi"); err != nil {
		t.Fatal(err)
	}
	v, err := in.Call(ctx, "api", "greet", "dee")
	if err != nil || !strings.Contains(v.String(), "hello, dee") {
		t.Fatalf("ingress call: %v %v", v, err)
	}
	msg, err := in.Receive(ctx)
	if err != nil || msg.Topic != "note" || msg.Payload.String() != `"hi"` {
		t.Fatalf("kept message: %+v %v", msg, err)
	}
}

// A Go handler's context ends when the Lua process that called it is ended:
// nobody waits for the answer.
func TestGoHandlerSeesItsCallerGo(t *testing.T) {
	modes(t, func(t *testing.T, native bool) {
		rt, _ := newRuntime(t, moonbox.Config{AllowNative: native})
		ten := deploy(t, rt, bundle(t, "acme", native, map[string]string{
			"policy.csv": "p, *, process.*, *, allow\n",
			"waits.lua":  `return function() return process.call("slow", "app:processes") end`,
		}))
		started, ended := make(chan struct{}), make(chan error, 1)
		ten.Handle("slow", func(ctx context.Context, req *moonbox.Request) (any, error) {
			close(started)
			<-ctx.Done()
			ended <- ctx.Err()
			return nil, ctx.Err()
		})
		ctx := context.Background()
		pid, err := ten.Spawn(ctx, "waits")
		if err != nil {
			t.Fatal(err)
		}
		<-started
		if err := ten.Terminate(pid); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-ended:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("handler's ctx: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the handler's context did not end when its caller was terminated")
		}
	})
}

// Error objects cross whole both ways: kind, message, retryable, details.
func TestErrorObjectsCrossWhole(t *testing.T) {
	rt, _ := newRuntime(t, moonbox.Config{})
	ten := deploy(t, rt, bundle(t, "acme", false, map[string]string{
		"errs.lua": `return function(e)
  local mine = errors.new{kind = errors.UNAVAILABLE, message = "busy", retryable = true, details = {queue = "q1", depth = 3}}
  return { got = { kind = e:kind(), message = e:message(), retryable = e:retryable(), n = e:details().n }, mine = mine }
end`,
	}))
	yes := false
	in := &moonbox.Error{Kind: moonbox.KindTimeout, Message: "slow", Retryable: &yes}
	details, err := moonbox.ValueOf(map[string]any{"n": 7})
	if err != nil {
		t.Fatal(err)
	}
	in.Details = details
	v, err := ten.Exec(context.Background(), "errs", in)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Got  map[string]any
		Mine *moonbox.Error
	}
	if err := v.Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Got["kind"] != "TIMEOUT" || out.Got["message"] != "slow" || out.Got["retryable"] != false || out.Got["n"] != uint64(7) {
		t.Errorf("Lua saw %v", out.Got)
	}
	m := out.Mine
	if m == nil || m.Kind != moonbox.KindUnavailable || m.Retryable == nil || !*m.Retryable || m.Details.String() != `{"depth":3,"queue":"q1"}` {
		t.Errorf("Go got %+v (details %v)", m, m.Details)
	}
	if !errors.Is(m, moonbox.ErrUnavailable) {
		t.Error("errors.Is by kind")
	}
}

// TestCallNeverTakesAnotherCallsReply: a Tenant.Call's reply is the first
// message its receiver sends to that call's sender, so a reply that comes
// after the caller gave up (its deadline passed), or a second message sent
// for an earlier request, must never be taken as the reply of a later call
// to the same process. Each call has a sender of its own (a gateway process
// that exits with the call): what reaches an earlier sender is dropped. A
// gateway reused with one PID would fail this: the late and the extra
// messages come from the right process to the right PID.
func TestCallNeverTakesAnotherCallsReply(t *testing.T) {
	modes(t, func(t *testing.T, native bool) {
		rt, _ := newRuntime(t, moonbox.Config{AllowNative: native})
		ten := deploy(t, rt, bundle(t, "acme", native, map[string]string{
			"server.lua": `return function()
  local inbox, held = process.inbox(), nil
  while true do
    local msg = inbox:receive()
    local topic, v = msg:topic(), msg:payload()
    if topic == "late" then
      held = msg:from() -- answered only when "release" comes, past the caller's deadline
    elseif topic == "release" then
      pcall(process.send, held, "reply", "late " .. v)
    elseif topic == "twice" then
      process.send(msg:from(), "reply", v)
      process.send(msg:from(), "reply", "extra " .. v)
    else
      process.send(msg:from(), "reply", v)
    end
  end
end`,
		}))
		ctx := context.Background()
		if _, err := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "server"}, "server"); err != nil {
			t.Fatal(err)
		}
		call := func(topic string, v int) (moonbox.Value, error) {
			return ten.Call(ctx, "server", topic, v)
		}
		for round := range 20 {
			short, cancel := context.WithTimeout(ctx, time.Millisecond)
			_, err := ten.Call(short, "server", "late", round)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("round %d: late call: %v, want its deadline", round, err)
			}
			// The late reply is sent before the next request is read: if it
			// reached the next call, that call would take it.
			if err := ten.Send(ctx, "server", "release", round); err != nil {
				t.Fatal(err)
			}
			if v, err := call("now", 1000+round); err != nil || v.String() != strconv.Itoa(1000+round) {
				t.Fatalf("round %d: call after a late reply got %v, %v; want %d", round, v, err, 1000+round)
			}
			if v, err := call("twice", 2000+round); err != nil || v.String() != strconv.Itoa(2000+round) {
				t.Fatalf("round %d: call answered twice got %v, %v; want %d", round, v, err, 2000+round)
			}
			if v, err := call("now", 3000+round); err != nil || v.String() != strconv.Itoa(3000+round) {
				t.Fatalf("round %d: call after a double answer got %v, %v; want %d", round, v, err, 3000+round)
			}
		}
	})
}
