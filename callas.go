package moonbox

import (
	"context"

	"github.com/moonbox-runtime/moonbox/host"
)

// CallAs is [Tenant.Call] made by a Go-side process whose security actor is
// actor: unlike Call (the application's own authority), the tenant's policy
// decides whether actor may send to dest, as it does for the tenant's own
// processes (the monitor the call keeps on dest while it waits is the
// runtime's, not checked):
//
//	p, ingress, process.send, app:api, allow
//
// The server's ingress calls as "ingress": a tenant's policy says which of
// its processes the outside may call.
func (t *Tenant) CallAs(ctx context.Context, actor, dest, topic string, payload ...any) (Value, error) {
	p, err := encodeArgs(payload)
	if err != nil {
		return Value{}, err
	}
	g, err := t.t.NewGoProcess(host.GoOptions{Actor: actor})
	if err != nil {
		return Value{}, wrap(err)
	}
	defer g.Exit(nil)
	return call(ctx, g, dest, topic, p, nil)
}
