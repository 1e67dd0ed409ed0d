package policies

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

func mustParse(t testing.TB, data string) *Policy {
	t.Helper()
	p, err := Parse("test.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

const combinedPolicy = `
p, app.api:*, process.spawn*, app.workers:*, allow
p, app.api:*, process.spawn.linked, app.workers:*, deny
p, app.api:*, process.host, app:processes, allow
p, app.api:*, process.call, app.jobs:*, allow
p, app.admin:*, process.*, **, allow
p, app.admin:*, process.security, security, deny
p, app.root:*, process.*, **, allow
`

// TestCombinedChecks: the combined requirements (docs/PERMISSIONS.md) for the spawn
// variants, call, and a custom actor or scope.
func TestCombinedChecks(t *testing.T) {
	g := NewGuard(mustParse(t, combinedPolicy), DefaultCacheSize)
	api := Request{Subject: "app.api:main", Caller: "{app:processes|0x00001.t1.n0}"}
	tests := []struct {
		name    string
		rs      []Request
		denied  string // the action refused; "" for allowed
		resouce string
	}{
		{"spawn", Spawn{Source: "app.workers:h", Host: "app:processes"}.Requests(api), "", ""},
		{"spawn_monitored", Spawn{Source: "app.workers:h", Host: "app:processes", Monitored: true}.Requests(api), "", ""},
		{"spawn_linked", Spawn{Source: "app.workers:h", Host: "app:processes", Linked: true}.Requests(api), ActionSpawnLinked, "app.workers:h"},
		{"spawn_linked_monitored", Spawn{Source: "app.workers:h", Host: "app:processes", Monitored: true, Linked: true}.Requests(api), ActionSpawnLinked, "app.workers:h"},
		{"spawn on another host", Spawn{Source: "app.workers:h", Host: "app:batch"}.Requests(api), ActionHost, "app:batch"},
		{"spawn of another source", Spawn{Source: "app.db:main", Host: "app:processes"}.Requests(api), ActionSpawn, "app.db:main"},
		{"spawn with an actor", Spawn{Source: "app.workers:h", Host: "app:processes", Security: true}.Requests(api), ActionSecurity, ResourceSecurity},
		{"call", CallRequests(api, "app.jobs:report", "app:processes"), "", ""},
		{"call on another host", CallRequests(api, "app.jobs:report", "app:batch"), ActionHost, "app:batch"},
		{"call of a source it may only spawn", CallRequests(api, "app.workers:h", "app:processes"), ActionCall, "app.workers:h"},
		{"admin spawn with a scope", Spawn{Source: "x", Host: "h", Linked: true, Security: true}.Requests(api.withSubject("app.admin:a")), ActionSecurity, ResourceSecurity},
		{"root spawn with a scope", Spawn{Source: "x", Host: "h", Linked: true, Monitored: true, Security: true}.Requests(api.withSubject("app.root:a")), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := g.CheckAll(tt.rs)
			if tt.denied == "" {
				if err != nil {
					t.Fatalf("CheckAll = %v, want allowed", err)
				}
				return
			}
			var d *Denied
			if !errors.As(err, &d) {
				t.Fatalf("CheckAll = %v, want a denial of %s", err, tt.denied)
			}
			if d.Request.Action != tt.denied || d.Request.resource() != tt.resouce {
				t.Fatalf("denied %s on %s, want %s on %s", d.Request.Action, d.Request.resource(), tt.denied, tt.resouce)
			}
		})
	}
}

func (r Request) withSubject(s string) Request { r.Subject = s; return r }

func TestSpawnActions(t *testing.T) {
	for _, tt := range []struct {
		monitored, linked bool
		want              string
	}{
		{false, false, "process.spawn"},
		{true, false, "process.spawn process.spawn.monitored"},
		{false, true, "process.spawn process.spawn.linked"},
		{true, true, "process.spawn process.spawn.monitored process.spawn.linked"},
	} {
		if got := strings.Join(SpawnActions(tt.monitored, tt.linked), " "); got != tt.want {
			t.Errorf("SpawnActions(%v, %v) = %s, want %s", tt.monitored, tt.linked, got, tt.want)
		}
	}
	rs := Spawn{Source: "s", Host: "h", Monitored: true, Linked: true, Security: true}.Requests(Request{Subject: "a"})
	var got []string
	for _, r := range rs {
		got = append(got, r.Action+" on "+r.resource())
	}
	want := "process.spawn on s, process.spawn.monitored on s, process.spawn.linked on s, process.host on h, process.security on security"
	if strings.Join(got, ", ") != want {
		t.Errorf("Requests = %s\nwant %s", strings.Join(got, ", "), want)
	}
	if n := len(Actions()); n != 16 {
		t.Errorf("%d actions, want the permission table's 16", n)
	}
}

func TestDenied(t *testing.T) {
	g := NewGuard(mustParse(t, "p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.send, app.b:secret, deny\n"), DefaultCacheSize)
	pid := "{app:processes|0x0001a.t1.n0}"
	err := g.Check(Request{Subject: "app.a:main", Action: ActionSend, Resources: []string{pid, "app.b:secret"}, Caller: "{app:processes|0x00001.t1.n0}"})
	if got, want := fmt.Sprint(err), "permission denied: process.send on "+pid+" for app.a:main"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	var d *Denied
	if !errors.As(err, &d) || !errors.Is(err, ErrDenied) || d.Status() != abi.PermissionDenied || d.Status().Kind() != "PERMISSION_DENIED" {
		t.Fatalf("error %#v is not a PERMISSION_DENIED *Denied", err)
	}
	if d.Decision.Line != 2 || d.Decision.Resource != "app.b:secret" || d.Decision.Subject != "app.a:main" {
		t.Errorf("decision %+v, want line 2 on app.b:secret", d.Decision)
	}
	err = g.Check(Request{Subject: "app.a:main", Scope: []string{"r1", "r2"}, Action: ActionSend, Resources: []string{pid, "app.b:x"}})
	if got, want := fmt.Sprint(err), "permission denied: process.send on "+pid+" for app.a:main (scope r1,r2)"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	if err := g.Check(Request{Subject: "app.a:main", Action: ActionSend}); err == nil {
		t.Error("a request without resources was allowed")
	}
}

// TestCachePIDs: with rules that cannot tell PIDs apart, sends to new PIDs
// hit the cache, and the cached answer is the policy's.
func TestCachePIDs(t *testing.T) {
	for _, tt := range []struct {
		policy  string
		pidSome bool
	}{
		{"p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.send, *, deny\n", false},
		{"p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.send, {app:processes|0x00003*, deny\n", true},
		{"p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.send, *}, deny\n", true},
		{"p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.terminate, ?*, deny\n", false},
	} {
		p := mustParse(t, tt.policy)
		if got := p.pidSome[actionIndex(ActionSend)]; got != tt.pidSome {
			t.Errorf("%q: pidSome = %v, want %v", tt.policy, got, tt.pidSome)
		}
		g := NewGuard(p, DefaultCacheSize)
		for i := 0; i < 100; i++ {
			src := "app.b:w"
			if i%7 == 0 {
				src = "app.c:w"
			}
			r := Request{Subject: "app.a:main", Action: ActionSend, Resources: []string{fmt.Sprintf("{app:processes|0x%05x.t1.n0}", i), src}}
			if got, want := g.Check(r) == nil, p.Decide(r).Allowed; got != want {
				t.Fatalf("%q: %v: Check allows %v, Decide %v", tt.policy, r.Resources, got, want)
			}
		}
		n := g.live.Load().cache.len()
		if !tt.pidSome && n != 2 {
			t.Errorf("%q: %d cache entries for 100 PIDs of 2 sources, want 2", tt.policy, n)
		}
		if tt.pidSome && n != 100 {
			t.Errorf("%q: %d cache entries, want 100", tt.policy, n)
		}
	}
}

func (c *cache) len() int {
	n := 0
	for i := range c.shards {
		c.shards[i].m.Range(func(any, any) bool { n++; return true })
	}
	return n
}

// TestCacheKeys: requests whose parts would join to the same string have
// different keys (Casbin's CachedEnforcer joins with "$$").
func TestCacheKeys(t *testing.T) {
	p := mustParse(t, `p, a, process.send, "b$$c", allow`+"\n"+`p, "a$$b", process.send, c, deny`+"\n"+`p, r, process.send, **, allow`)
	g := NewGuard(p, DefaultCacheSize)
	pairs := [][2]Request{
		{{Subject: "a", Action: ActionSend, Resources: []string{"b$$c"}}, {Subject: "a$$b", Action: ActionSend, Resources: []string{"c"}}},
		{{Subject: "a", Action: ActionSend, Resources: []string{"b$$c"}}, {Subject: "a", Action: ActionSend, Resources: []string{"b", "c"}}},
		{{Subject: "r", Action: ActionSend, Resources: []string{"x"}}, {Subject: "r", Scope: []string{"x"}, Action: ActionSend, Resources: []string{"x"}}},
		{{Subject: "r", Action: ActionSend, Resources: []string{"x", "y"}}, {Subject: "r", Scope: []string{"x"}, Action: ActionSend, Resources: []string{"y"}}},
	}
	for _, pr := range pairs {
		k1, k2 := p.appendKey(nil, pr[0]), p.appendKey(nil, pr[1])
		if string(k1) == string(k2) {
			t.Errorf("%+v and %+v share a key", pr[0], pr[1])
		}
		for _, r := range []Request{pr[0], pr[1], pr[0], pr[1]} {
			if got, want := g.Check(r) == nil, p.Decide(r).Allowed; got != want {
				t.Errorf("%+v: Check allows %v, Decide %v", r, got, want)
			}
		}
	}
}

// TestCacheBounded: a cache never holds more than its size.
func TestCacheBounded(t *testing.T) {
	p := mustParse(t, "p, *, process.registry.register, **, allow\n")
	for _, size := range []int{1, 15, 16, 100, 1000} {
		g := NewGuard(p, size)
		for i := 0; i < 3*size+50; i++ {
			if err := g.Check(Request{Subject: "a", Action: ActionRegister, Resources: []string{fmt.Sprint("name", i)}}); err != nil {
				t.Fatal(err)
			}
		}
		if n := g.live.Load().cache.len(); n > size || n == 0 {
			t.Errorf("cache of size %d holds %d entries", size, n)
		}
	}
}

func TestSwapDropsCache(t *testing.T) {
	allow := mustParse(t, "p, app.a:*, process.send, **, allow\n")
	deny := mustParse(t, "p, app.a:*, process.send, **, deny\n")
	g := NewGuard(allow, DefaultCacheSize)
	r := Request{Subject: "app.a:main", Action: ActionSend, Resources: []string{"{app:processes|0x00001.t1.n0}", "app.b:w"}}
	for i := 0; i < 3; i++ {
		if err := g.Check(r); err != nil {
			t.Fatal(err)
		}
	}
	g.Swap(deny)
	if err := g.Check(r); err == nil {
		t.Fatal("the revoked policy's cached allow survived Swap")
	}
	if g.Policy() != deny || g.Explain(r).Line != 1 || g.Explain(r).Allowed {
		t.Fatalf("Policy/Explain after Swap: %v %+v", g.Policy(), g.Explain(r))
	}
}

func TestReloadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "policy.csv")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := Request{Subject: "app.a:main", Action: ActionSend, Resources: []string{"app.b:w"}}
	g := NewGuard(AllowAll(), DefaultCacheSize)
	write("p, app.a:*, process.send, app.b:*, allow\n")
	if err := g.ReloadFile(path); err != nil || g.Check(r) != nil {
		t.Fatalf("reload of a good file: %v, %v", err, g.Check(r))
	}
	before := g.Policy()
	for _, bad := range []string{
		", app.a:*, process.send, **, deny\n",
		"",
		"p, app.a:*, process.send, [, deny\n",
		"p, app.a:*, process.sendd, **, deny\n",
		"p, app.a:*, process.send, **, deny\np, x\n", // one good line does not get through
	} {
		write(bad)
		err := g.ReloadFile(path)
		var pe *ParseError
		if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), path+":") {
			t.Errorf("reload of %q: %v; want a *ParseError naming the file", bad, err)
		}
		if g.Policy() != before || g.Check(r) != nil {
			t.Errorf("reload of %q changed the policy in force", bad)
		}
	}
	if err := g.ReloadFile(filepath.Join(dir, "missing.csv")); err == nil || g.Policy() != before {
		t.Errorf("reload of a missing file: %v", err)
	}
	write("p, app.a:*, process.send, app.b:*, deny\n")
	if err := g.ReloadFile(path); err != nil || g.Check(r) == nil {
		t.Fatalf("revocation by reload: %v, %v", err, g.Check(r))
	}
}

// TestHammerSwap: P goroutines check while another swaps between an allowing
// and a revoking policy. A check that starts after Swap(p) returned and ends
// before the next Swap begins must answer as p does: never a stale allow
// after a revocation, never a stale deny after a grant.
func TestHammerSwap(t *testing.T) {
	grant := mustParse(t, "p, app.a:*, process.send, app.b:*, allow\np, app.a:*, process.host, app:*, allow\n")
	revoke := mustParse(t, "p, app.a:*, process.send, app.b:*, deny\np, app.a:*, process.host, app:*, allow\n")
	g := NewGuard(grant, DefaultCacheSize)
	allowedAfter := func(swaps int64) bool { return swaps%2 == 0 } // swap k puts revoke in force for odd k

	var started, done atomic.Int64
	var stop atomic.Bool
	var checked, asserted atomic.Int64
	P := 2 * runtime.GOMAXPROCS(0)
	swaps := 2000
	var wg sync.WaitGroup
	errs := make(chan string, P+1)
	for w := 0; w < P; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				r := Request{
					Subject:   fmt.Sprintf("app.a:w%d", i%3),
					Action:    ActionSend,
					Resources: []string{fmt.Sprintf("{app:processes|0x%05x.t1.n0}", i%5), "app.b:sink"},
				}
				before := done.Load()
				err := g.Check(r)
				after := started.Load()
				checked.Add(1)
				if before != after {
					continue // a swap overlapped this check: either answer is right
				}
				asserted.Add(1)
				if want := allowedAfter(before); (err == nil) != want {
					errs <- fmt.Sprintf("worker %d: after %d swaps Check = %v, want allowed=%v", w, before, err, want)
					return
				}
			}
		}(w)
	}
	for k := int64(1); k <= int64(swaps); k++ {
		p := grant
		if !allowedAfter(k) {
			p = revoke
		}
		started.Add(1)
		g.Swap(p)
		done.Add(1)
		r := Request{Subject: "app.a:w0", Action: ActionSend, Resources: []string{"{app:processes|0x00000.t1.n0}", "app.b:sink"}}
		if (g.Check(r) == nil) != allowedAfter(k) {
			errs <- fmt.Sprintf("swapper: right after swap %d, Check disagrees", k)
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	t.Logf("%d swaps, %d checks, %d asserted", swaps, checked.Load(), asserted.Load())
}
