package lua

// A small table (moonbox patch): the hash part of a table whose keys are few
// and all strings is a slice of key/value entries scanned linearly, instead
// of strdict, keys and k2i. Records — a select result {channel=, value=,
// ok=}, an event, a decoded payload — are that shape, and each map cost them
// an allocation and hashing that Go compiled to wasm makes dear: such a
// constructor took 11.9 µs sandboxed against 2.0 µs for {a, b}.
//
// A table is small while tableMaps is nil; small is then its
// hash part, in insertion order, and an entry's position serves next(). A
// deleted entry keeps its place with value LNil (counted in dead) until a
// new key needs the room, so clearing fields during a traversal, which Lua
// allows, never moves an entry; adding a key during one is undefined. The
// table is promoted to the maps for good when a ninth live string key or
// any other hash key arrives.

// smallHashMax is the most string keys a small table holds: past about
// eight, a scan compares more strings than a map lookup costs.
const smallHashMax = 8

type smallEntry struct {
	key   string
	boxed LValue // LString(key), made when next() or ForEach first needs it
	value LValue // LNil once deleted
}

// lkey returns the entry's key as an LValue. Boxing a string allocates, and
// a record is built far more often than traversed: setting a key does not box it.
func (e *smallEntry) lkey() LValue {
	if e.boxed == nil {
		e.boxed = LString(e.key)
	}
	return e.boxed
}

// isSmall reports whether the hash part is small (or empty).
func (tb *LTable) isSmall() bool {
	return tb.tableMaps == nil
}

// smallIndex returns the position of key's entry, deleted or not, or -1.
func (tb *LTable) smallIndex(key string) int {
	for i := range tb.small {
		if tb.small[i].key == key {
			return i
		}
	}
	return -1
}

// smallGet returns key's value, LNil when it has none.
func (tb *LTable) smallGet(key string) LValue {
	for i := range tb.small {
		if tb.small[i].key == key {
			return tb.small[i].value
		}
	}
	return LNil
}

// setSmall sets key in a small table; false means it did nothing because
// the table is full: it has been promoted, and the caller sets key in the
// maps.
func (tb *LTable) setSmall(key string, value LValue) bool {
	if i := tb.smallIndex(key); i >= 0 {
		e := &tb.small[i]
		if e.value == LNil && value != LNil {
			tb.dead-- // deleted, now set again: same place
		} else if e.value != LNil && value == LNil {
			tb.dead++
		}
		e.value = value
		return true
	}
	if value == LNil {
		return true // absent
	}
	if len(tb.small) == smallHashMax && tb.dead > 0 {
		tb.compactSmall()
	}
	if len(tb.small) == smallHashMax {
		tb.promote()
		return false
	}
	if MaxHashLen > 0 && len(tb.small)-tb.dead >= MaxHashLen {
		panic(ErrHashTooLong)
	}
	if tb.small == nil {
		tb.small = make([]smallEntry, 0, 4)
	}
	tb.small = append(tb.small, smallEntry{key: key, value: value})
	return true
}

// compactSmall drops the deleted entries, in place: only a new key calls
// it, and no traversal may be under way then.
func (tb *LTable) compactSmall() {
	live := tb.small[:0]
	for _, e := range tb.small {
		if e.value != LNil {
			live = append(live, e)
		}
	}
	clear(tb.small[len(live):])
	tb.small, tb.dead = live, 0
}

// promote moves a small table's live entries into strdict and keys, in
// order, and leaves the table to the maps. With no entries it makes no
// map: the caller makes the one it needs.
func (tb *LTable) promote() {
	if tb.dead > 0 {
		tb.compactSmall()
	}
	m := &tableMaps{}
	if len(tb.small) > 0 {
		m.strdict = make(map[string]LValue, defaultHashCap)
		m.keys = make([]LValue, 0, 2*len(tb.small))
		for i := range tb.small {
			e := &tb.small[i]
			m.strdict[e.key] = e.value
			m.keys = append(m.keys, e.lkey())
		}
	}
	tb.tableMaps, tb.small = m, nil
}

// nextSmall returns the first live entry at or after position i, for next().
func (tb *LTable) nextSmall(i int) (LValue, LValue) {
	for ; i < len(tb.small); i++ {
		if e := &tb.small[i]; e.value != LNil {
			return e.lkey(), e.value
		}
	}
	return LNil, LNil
}
