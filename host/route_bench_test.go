package host

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/policies"
)

// BenchmarkRoute is the host's routing path of one message (the checks of
// Tenant.send: topic, payload, resolving the PID, the policy, the mailbox
// bounds, and the post) between independent pairs of untrusted Go-side
// processes, one pair per goroutine, no guest involved: run it with
// `-cpu 1,2,4` to see whether pairs on different cores contend on anything
// shared (a lock, a counter, a cache line) as they would on a 32- or 64-core
// machine. Each receiver drains its queue every 64 messages.
func BenchmarkRoute(b *testing.B) {
	pol, err := policies.Parse("route", []byte("p, sender, process.send, receiver, allow\n"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		policy *policies.Policy
	}{{"allow-all", nil}, {"policy", pol}} {
		b.Run(c.name, func(b *testing.B) {
			rt := New(Config{Shards: 2})
			defer rt.Close()
			ten, err := rt.AddTenant(TenantConfig{Name: "route", Native: true, Policy: c.policy,
				Bundle: writeBundle(b, map[string]string{"main.lua": "return function() end"})})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			payload := abi.AppendInt(abi.AppendArray(nil, 1), 7)
			var failed atomic.Value
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				from, err := ten.NewGoProcess(GoOptions{Actor: "sender"})
				if err != nil {
					b.Error(err)
					return
				}
				to, err := ten.NewGoProcess(GoOptions{Actor: "receiver"})
				if err != nil {
					b.Error(err)
					return
				}
				dest := to.PID()
				for n := 0; pb.Next(); n++ {
					if err := from.Send(dest, "m", payload); err != nil {
						failed.Store(err)
						for pb.Next() {
						}
						return
					}
					if n%64 == 63 {
						for range 64 {
							if _, err := to.Receive(ctx); err != nil {
								failed.Store(err)
							}
						}
					}
				}
			})
			if err, isErr := failed.Load().(error); isErr {
				b.Fatal(err)
			}
		})
	}
}
