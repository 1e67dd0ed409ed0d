package policies

import (
	"fmt"
	"strings"
	"testing"
)

// policy100 is a policy of 100 rules (and 10 role lines), shaped like a
// tenant's: per service, what it may send to, spawn, call and name.
func policy100(tb testing.TB) *Policy {
	var b strings.Builder
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "p, app.svc%d:*, process.send, app.svc%d:*, allow\n", i, i+1)
		fmt.Fprintf(&b, "p, app.svc%d:*, process.send, app.svc%d:admin, deny\n", i, i+1)
		fmt.Fprintf(&b, "p, app.svc%d:*, process.spawn*, app.svc%d.workers:*, allow\n", i, i)
		fmt.Fprintf(&b, "p, app.svc%d:*, process.host, app:processes, allow\n", i)
		fmt.Fprintf(&b, "p, app.svc%d:*, process.call, app.svc%d.jobs:*, allow\n", i, i)
		fmt.Fprintf(&b, "p, app.svc%d:*, process.registry.*, svc%d.*, allow\n", i, i)
		fmt.Fprintf(&b, "p, role%d, process.monitor, app.svc%d:*, allow\n", i, i)
		fmt.Fprintf(&b, "p, role%d, process.terminate, app.svc%d.workers:*, allow\n", i, i)
		fmt.Fprintf(&b, "p, role%d, process.cancel, app.svc%d.workers:*, allow\n", i, i)
		fmt.Fprintf(&b, "p, *, process.terminate, app.svc%d:main, deny\n", i)
		fmt.Fprintf(&b, "g, app.ops%d:*, role%d\n", i, i)
	}
	p, err := Parse("bench.csv", []byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	if len(p.rules) != 100 {
		tb.Fatalf("%d rules", len(p.rules))
	}
	return p
}

// sendRequest is a send the 100-rule policy allows by a rule near its end.
var sendRequest = Request{
	Subject:   "app.svc9:main",
	Action:    ActionSend,
	Resources: []string{"{app:processes|0x0001a.t1.n0}", "app.svc10:handler"},
	Caller:    "{app:processes|0x00001.t1.n0}",
}

func BenchmarkCheckUncached(b *testing.B) {
	g := NewGuard(policy100(b), 0)
	if err := g.Check(sendRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Check(sendRequest)
	}
}

func BenchmarkCheckCached(b *testing.B) {
	g := NewGuard(policy100(b), DefaultCacheSize)
	if err := g.Check(sendRequest); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = g.Check(sendRequest)
	}
}

// BenchmarkCheckCachedNewPIDs: every send goes to a new PID of the same
// source; the policy names no PID, so the cache answers.
func BenchmarkCheckCachedNewPIDs(b *testing.B) {
	g := NewGuard(policy100(b), DefaultCacheSize)
	pids := make([]string, 1<<14)
	for i := range pids {
		pids[i] = fmt.Sprintf("{app:processes|0x%05x.t1.n0}", i)
	}
	r := sendRequest
	r.Resources = []string{"", "app.svc10:handler"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r.Resources[0] = pids[i%len(pids)]
		i++
		if g.Check(r) != nil {
			b.Fatal("denied")
		}
	}
}

func BenchmarkCheckCachedParallel(b *testing.B) {
	g := NewGuard(policy100(b), DefaultCacheSize)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = g.Check(sendRequest)
		}
	})
}

func BenchmarkCheckSpawnCached(b *testing.B) {
	g := NewGuard(policy100(b), DefaultCacheSize)
	rs := Spawn{Source: "app.svc9.workers:w", Host: "app:processes", Monitored: true, Linked: true}.Requests(Request{Subject: "app.svc9:main"})
	b.ReportAllocs()
	for b.Loop() {
		if g.CheckAll(rs) != nil {
			b.Fatal("denied")
		}
	}
}

func BenchmarkParse100(b *testing.B) {
	policy100(b)
	b.ReportAllocs()
	for b.Loop() {
		policy100(b)
	}
}

// BenchmarkCasbinOneEnforcer is the baseline of BenchmarkCheckUncached: the
// same 100 rules in one enforcer, as Casbin is usually used, instead of one
// enforcer per action.
func BenchmarkCasbinOneEnforcer(b *testing.B) {
	p := policy100(b)
	e, err := newEnforcer(p.rules)
	if err != nil {
		b.Fatal(err)
	}
	who := &principal{name: sendRequest.Subject, roles: p.rolesOf(sendRequest.Subject)}
	alts := alternatives(sendRequest.Resources)
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := e.EnforceEx(who, sendRequest.Action, alts); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
