package policies

import (
	"encoding/binary"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// DefaultCacheSize is the decision cache size NewGuard is usually given.
const DefaultCacheSize = 4096

// maxKey is the longest request (its encoded key) the cache keeps: with it,
// a full cache of DefaultCacheSize entries holds at most 4 MiB of keys.
const maxKey = 1024

// cache remembers the verdicts of one policy. It is bounded (a full shard
// evicts an arbitrary entry before it takes a new one) and lives as long as
// its policy: Guard.Swap replaces both at once.
//
// A hit writes nothing shared: every send of every shard asks, most of them
// the same question (one key, so one shard), and a read lock's atomic add on
// that shard's lock word made the cores queue for its cache line (the
// routing path ran slower on 2 cores than on 1: host's BenchmarkRoute).
type cache struct {
	seed     maphash.Seed
	perShard int
	shards   []shard
}

type shard struct {
	m sync.Map // string -> verdict
	n atomic.Int64
	_ [40]byte // keep shards' counters on separate cache lines
}

func newCache(size int) *cache {
	if size <= 0 {
		return nil
	}
	n := 16
	if size < n {
		n = 1
	}
	return &cache{seed: maphash.MakeSeed(), perShard: size / n, shards: make([]shard, n)}
}

func (c *cache) shard(key []byte) *shard {
	return &c.shards[maphash.Bytes(c.seed, key)%uint64(len(c.shards))]
}

func (c *cache) get(key []byte) (verdict, bool) {
	v, ok := c.shard(key).m.Load(string(key))
	if !ok {
		return verdict{}, false
	}
	return v.(verdict), true
}

func (c *cache) put(key []byte, v verdict) {
	s := c.shard(key)
	if s.n.Load() >= int64(c.perShard) {
		s.m.Range(func(k, _ any) bool { // evict one entry, an arbitrary one
			if _, gone := s.m.LoadAndDelete(k); gone {
				s.n.Add(-1)
			}
			return false
		})
	}
	if _, loaded := s.m.Swap(string(key), v); !loaded {
		s.n.Add(1)
	}
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
