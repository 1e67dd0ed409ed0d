// Package console is the operator console of `moonbox serve`: a live web view
// of every tenant at /ui, for the person on call rather than for a metrics
// pipeline.
//
// The server aggregates and the page only draws. A sampler reads each
// tenant's [moonbox.Tenant.Stats] once a second into a ring of 600 samples
// (ten minutes); rates are differences between samples. The runtime's events
// (exits, limit kills, policy denials) feed bounded rings per tenant. The
// browser gets one row per tenant a second over server-sent events, and for
// one tenant its top 20 processes by instructions and by mailbox: never a
// list of every process.
//
// The console is behind the admin token: a login form sets an HttpOnly,
// SameSite=Strict session cookie, every action (terminate a process, restart
// a service, roll back, undeploy) is a POST checked against the session's
// CSRF token and logged with the session that did it. A tenant's API token
// does not open it. Everything a tenant controls (names, error text, topics)
// reaches the page as JSON and is put in the DOM as text, never as markup;
// the pages also carry a Content-Security-Policy that forbids inline script.
//
// The assets are embedded (go:embed): plain HTML, CSS and JavaScript, no
// build step and no CDN, so an offline machine serves the same console.
package console
