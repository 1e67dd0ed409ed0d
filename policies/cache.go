package policies

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
)

// DefaultCacheSize is the decision cache size NewGuard is usually given.
const DefaultCacheSize = 4096

// maxKey is the longest request (its encoded key) the cache keeps: with it,
// a full cache of DefaultCacheSize entries holds at most 4 MiB of keys.
const maxKey = 1024

// cache remembers the verdicts of one policy. It is bounded (a full shard
// evicts an arbitrary entry before it takes a new one) and lives as long as
// its policy: Guard.Swap replaces both at once.
type cache struct {
	seed     maphash.Seed
	perShard int
	shards   []shard
}

type shard struct {
	mu sync.RWMutex
	m  map[string]verdict
	_  [32]byte // keep shards' locks on separate cache lines
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	n := 16
	if size < n {
		n = 1
	}
	c := &cache{seed: maphash.MakeSeed(), perShard: size / n, shards: make([]shard, n)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]verdict)
	}
	return c
}

func (c *cache) shard(key []byte) *shard {
	return &c.shards[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

func (c *cache) get(key []byte) (verdict, bool) {
	s := c.shard(key)
	s.mu.RLock()
	v, ok := s.m[string(key)]
	s.mu.RUnlock()
	return v, ok
}

func (c *cache) put(key []byte, v verdict) {
	s := c.shard(key)
	s.mu.Lock()
	if len(s.m) >= c.perShard {
		for k := range s.m { // map iteration starts at a random entry
			delete(s.m, k)
			break
		}
	}
	s.m[string(key)] = v
	s.mu.Unlock()
}

// appendKey appends the cache key of r to b: every part the decision depends
// on, each with its length before it, so no two requests share a key (Casbin's
// CachedEnforcer joins its arguments with "$$", and "a$$b","c" collides with
// "a","b$$c"). When no rule for the action can tell two PIDs apart, a PID-like
// resource is keyed as pidToken, so a send to a new process hits the cache.
func (p *Policy) appendKey(b []byte, r Request) []byte {
	a := actionIndex(r.Action)
	b = binary.AppendUvarint(b, uint64(a+1)) // 0: an application action, spelled out
	if a < 0 {
		b = appendString(b, r.Action)
	}
	b = appendString(b, r.Subject)
	b = binary.AppendUvarint(b, uint64(len(r.Scope)))
	for _, s := range r.Scope {
		b = appendString(b, s)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Resources)))
	for _, res := range r.Resources {
		if a >= 0 && !p.pidSome[a] && isPIDLike(res) {
			res = pidToken
		}
		b = appendString(b, res)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}
