// Package tenants loads tenant bundles: a directory of Lua sources (and, in a
// full tenant, its tenant.yaml and policy file). A source ID `a.b:c` is the
// file a/b/c.lua under the bundle root; an ID without a colon, `ping`, is
// ping.lua. Sources are validated (parsed) when loaded, so a syntax error
// fails the spawn that asked for it, with the Lua message.
package tenants
