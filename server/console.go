package server

import (
	"context"

	"github.com/moonbox-runtime/moonbox/server/console"
)

// newConsole makes the operator console at /ui: it sees the server's
// tenants through consoleBackend and opens with the admin token only.
func (s *Server) newConsole() *console.Console {
	want := tokenHash256(s.admin)
	return console.New(console.Config{
		Backend:  consoleBackend{s},
		Admin:    func(tok string) bool { return tok != "" && sameToken(tokenHash256(tok), want) },
		Log:      s.log,
		Defaults: s.cfg.Defaults,
		Ceilings: s.cfg.Ceilings,
	})
}

// consoleBackend is the server as the console sees it.
type consoleBackend struct{ s *Server }

func (b consoleBackend) Tenants() []console.Tenant {
	list := b.s.tenantList()
	out := make([]console.Tenant, 0, len(list))
	for _, tn := range list {
		ct := console.Tenant{Name: tn.name, Version: tn.stored.Current, Previous: tn.stored.Previous,
			Deployed: tn.stored.Deployed, Error: tn.loadErr, Runtime: tn.t}
		if tn.sup != nil {
			for _, ss := range tn.sup.Status() {
				ss.Restarts += tn.restartsBefore[ss.Name]
				ct.Services = append(ct.Services, ss)
			}
		}
		out = append(out, ct)
	}
	return out
}

func (b consoleBackend) Rollback(ctx context.Context, name string) error {
	_, err := b.s.Rollback(ctx, name)
	return err
}

func (b consoleBackend) Undeploy(ctx context.Context, name string) error {
	return b.s.Undeploy(ctx, name)
}
