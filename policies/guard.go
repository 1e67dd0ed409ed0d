package policies

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/moonbox-runtime/moonbox/abi"
)

// A Guard is a tenant's live policy: the policy in force and its decision
// cache, swapped together atomically. It is safe for concurrent use.
type Guard struct {
	live      atomic.Pointer[state]
	cacheSize int
}

type state struct {
	policy *Policy
	cache  *cache // nil: no cache
}

// NewGuard returns a Guard enforcing p, with a decision cache of cacheSize
// entries (DefaultCacheSize is a good size; 0 or less: no cache).
func NewGuard(p *Policy, cacheSize int) *Guard {
	g := &Guard{cacheSize: cacheSize}
	g.Swap(p)
	return g
}

// Policy returns the policy in force.
func (g *Guard) Policy() *Policy { return g.live.Load().policy }

// Swap puts p in force with a new, empty cache. Every check that starts after
// Swap returns sees p; none sees a cached answer of the old policy.
func (g *Guard) Swap(p *Policy) {
	if p == nil {
		panic("policies: Swap(nil)")
	}
	g.live.Store(&state{policy: p, cache: newCache(g.cacheSize)})
}

// ReloadFile parses the policy file at path and, if it is good, puts it in
// force. A file that cannot be read or parsed leaves the policy in force
// unchanged, and the error says why (a *ParseError lists every problem).
func (g *Guard) ReloadFile(path string) error {
	p, err := Load(path)
	if err != nil {
		return err
	}
	g.Swap(p)
	return nil
}

// Check returns nil when the policy in force allows r, and a *Denied error
// otherwise.
func (g *Guard) Check(r Request) error {
	st := g.live.Load()
	v := st.verdict(r)
	if v.allowed {
		return nil
	}
	return &Denied{Request: r, Decision: st.policy.decision(r, v)}
}

// CheckAll checks rs in order and returns the first denial, or nil. Use it with
// Spawn.Requests and CallRequests for the combined checks (docs/PERMISSIONS.md); all of rs
// are answered by the same policy.
func (g *Guard) CheckAll(rs []Request) error {
	st := g.live.Load()
	for _, r := range rs {
		if v := st.verdict(r); !v.allowed {
			return &Denied{Request: r, Decision: st.policy.decision(r, v)}
		}
	}
	return nil
}

// Explain answers r with the policy in force, bypassing the cache, and tells
// which rule decided.
func (g *Guard) Explain(r Request) Decision { return g.Policy().Decide(r) }

func (st *state) verdict(r Request) verdict {
	if st.cache == nil || st.policy.allowAll {
		return st.policy.decide(r)
	}
	var buf [192]byte
	key := st.policy.appendKey(buf[:0], r)
	if len(key) > maxKey {
		return st.policy.decide(r) // a cache of huge keys would not be small
	}
	if v, ok := st.cache.get(key); ok {
		return v
	}
	v := st.policy.decide(r)
	if !v.failed {
		st.cache.put(key, v)
	}
	return v
}

// ErrDenied is what every *Denied error matches with errors.Is.
var ErrDenied = errors.New("permission denied")

// Denied is the error of a refused request: a PERMISSION_DENIED error for the
// Lua side.
type Denied struct {
	Request  Request
	Decision Decision
}

// Error returns "permission denied: ACTION on RESOURCE for SUBJECT", with the
// scope when the request had one.
func (d *Denied) Error() string {
	msg := fmt.Sprintf("permission denied: %s on %s for %s", d.Request.Action, d.Request.resource(), d.Request.Subject)
	if len(d.Request.Scope) > 0 {
		msg += " (scope " + strings.Join(d.Request.Scope, ",") + ")"
	}
	return msg
}

// Unwrap returns ErrDenied.
func (d *Denied) Unwrap() error { return ErrDenied }

// Status returns abi.PermissionDenied, the status a denial crosses the ABI
// with (errors.PERMISSION_DENIED in Lua).
func (d *Denied) Status() abi.Status { return abi.PermissionDenied }
