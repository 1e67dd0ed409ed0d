package console

import (
	"context"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// Backend is what the console needs of the server: its tenants as it keeps
// them, and the operations only the server can do (they change its store).
type Backend interface {
	// Tenants is every tenant, served or not, sorted by name.
	Tenants() []Tenant
	// Rollback makes the tenant's previous version current again.
	Rollback(ctx context.Context, name string) error
	// Undeploy stops the tenant and deletes it.
	Undeploy(ctx context.Context, name string) error
}

// Tenant is a tenant as the server keeps it.
type Tenant struct {
	Name              string
	Version, Previous int
	Deployed          time.Time
	// Error says why the tenant is not served (Runtime is then nil).
	Error   string
	Runtime *moonbox.Tenant
	// Services are its supervisor's services; Restarts counts those of
	// the supervisors of earlier versions too.
	Services []moonbox.ServiceStatus
}
