// Package server is `moonbox serve`: the multi-tenant server a SaaS platform
// runs. It sits beside cmd and uses only the public API of package moonbox
// (plus the bundle and config checks of tenants), so an embedding
// application can do anything it does.
//
// The pieces, one a file:
//
//   - config.go: the operator's moonbox.yaml (listen, data, shards,
//     allow_native, admin_token, log, ingress, uploads, defaults, ceilings),
//     every key optional, every problem reported with its line by the
//     checker tenant.yaml uses (tenants.Checker).
//   - token.go: the admin token (a file, an environment variable, or
//     generated once into the data directory, mode 0600) and the tenants'
//     API tokens, kept as SHA-256 hashes and compared in constant time.
//   - archive.go: an uploaded bundle (.tar.gz, .tar or .zip) unpacked into
//     memory within bounds counted while unpacking (files, bytes per file,
//     bytes in all, the stream itself); absolute paths, .., backslashes,
//     links and device files refused.
//   - store.go: the deployed bundles in the data directory, the current and
//     the previous version of each tenant, written whole and synced before
//     an atomically replaced state.json makes them current.
//   - server.go: deploy, redeploy, rollback, undeploy; restoring the stored
//     tenants at start; graceful shutdown.
//   - http.go: the admin API, the ingress, /healthz, /readyz.
//   - metrics.go: Prometheus metrics per tenant and per service.
//   - console.go: the operator console at /ui (package server/console, see
//     docs/CONSOLE.md), given the server's tenants and its rollback and
//     undeploy; it opens with the admin token only.
//
// A tenant's services (tenant.yaml's services:) run under a
// moonbox.Supervisor, restarted one for one; the ingress calls them as the
// security actor "ingress" (a Go-side process of moonbox.Tenant.NewProcessWith), so a tenant's policy says
// which of its processes the outside may reach. examples/saas-server/README.md
// is a walk-through; cmd/moonbox/serve_test.go runs it against the binary.
package server
