package lua

import "errors"

const defaultArrayCap = 32
const defaultHashCap = 32

type lValueArraySorter struct {
	L      *LState
	Fn     *LFunction
	Values []LValue
}

func (lv lValueArraySorter) Len() int {
	return len(lv.Values)
}

func (lv lValueArraySorter) Swap(i, j int) {
	lv.Values[i], lv.Values[j] = lv.Values[j], lv.Values[i]
}

func (lv lValueArraySorter) Less(i, j int) bool {
	if lv.Fn != nil {
		lv.L.Push(lv.Fn)
		lv.L.Push(lv.Values[i])
		lv.L.Push(lv.Values[j])
		lv.L.Call(2, 1)
		return LVAsBool(lv.L.reg.Pop())
	}
	return lessThan(lv.L, lv.Values[i], lv.Values[j])
}

func newLTable(acap int, hcap int) *LTable {
	if acap < 0 {
		acap = 0
	}
	if hcap < 0 {
		hcap = 0
	}
	tb := &LTable{}
	tb.Metatable = LNil
	if acap != 0 {
		tb.array = make([]LValue, 0, acap)
	}
	switch {
	case hcap > smallHashMax:
		tb.tableMaps = &tableMaps{strdict: make(map[string]LValue, hcap)}
	case hcap != 0:
		tb.small = make([]smallEntry, 0, hcap)
	}
	return tb
}

// Len returns length of this LTable without using __len.
func (tb *LTable) Len() int {
	if tb.array == nil {
		return 0
	}
	var prev LValue = LNil
	for i := len(tb.array) - 1; i >= 0; i-- {
		v := tb.array[i]
		if prev == LNil && v != LNil {
			return i + 1
		}
		prev = v
	}
	return 0
}

// Append appends a given LValue to this LTable.
func (tb *LTable) Append(value LValue) {
	if value == LNil {
		return
	}
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if len(tb.array) == 0 || tb.array[len(tb.array)-1] != LNil {
		tb.growArray(len(tb.array) + 1)
		tb.array = append(tb.array, value)
	} else {
		i := len(tb.array) - 2
		for ; i >= 0; i-- {
			if tb.array[i] != LNil {
				break
			}
		}
		tb.array[i+1] = value
	}
}

// MaxArrayLen, when positive, caps a table's array part: growing it past
// that many elements panics with ErrArrayTooLong (which PCall turns into a
// Lua error) before anything is allocated. The array grows by reallocation,
// old and new at once; a process-wide cap lets an embedder keep that inside
// its memory (moonbox patch).
var MaxArrayLen = 0

// ErrArrayTooLong is the panic value of an array growing past MaxArrayLen.
var ErrArrayTooLong = errors.New("table too large: its array part would exceed the limit on elements")

// MaxHashLen, when positive, caps the keys of a table's hash part: adding a
// key past it panics with ErrHashTooLong (moonbox patch, see addKey). The hash part
// keeps its keys in insertion order in a slice that grows by reallocation,
// besides two maps, so a table of a few hundred thousand keys left enough
// freed slices behind to push a small wasm instance past its memory cap.
var MaxHashLen = 0

// ErrHashTooLong is the panic value of a hash part growing past MaxHashLen.
var ErrHashTooLong = errors.New("table too large: its hash part would exceed the limit on keys")

// addKey records a new key of the hash part in insertion order, for Next.
// Upstream never forgot a deleted key (its "TODO tb.keys and tb.k2i should
// also be removed"), so a table used as a map with churn — an actor's
// sessions by ID — grew without end while holding few entries. Deleted keys
// are counted (dead) and dropped here, when a new key arrives and they are
// over half: adding a key during a traversal is undefined in Lua, while
// clearing fields during one, which must keep working, never compacts.
// It panics with ErrHashTooLong, before anything is stored, when the live
// keys would pass MaxHashLen (moonbox patch).
func (tb *LTable) addKey(key LValue) {
	if (tb.dead > 32 && 2*tb.dead > len(tb.keys)) || (MaxHashLen > 0 && len(tb.keys) >= MaxHashLen && tb.dead > 0) {
		tb.compactKeys()
	}
	if MaxHashLen > 0 && len(tb.keys) >= MaxHashLen {
		panic(ErrHashTooLong)
	}
	if TableReserve != nil && len(tb.keys) == cap(tb.keys) && len(tb.keys) >= reserveSlots && !TableReserve(len(tb.keys)*16*4) {
		panic(ErrTableNoMemory)
	}
	if tb.k2i != nil {
		tb.k2i[key] = len(tb.keys)
	}
	tb.keys = append(tb.keys, key)
}

// keyIndexIfDead is keyIndex when the hash part has deleted keys, else nil:
// then a key absent from the dict cannot be in keys.
func (tb *LTable) keyIndexIfDead() map[LValue]int {
	if tb.dead == 0 {
		return nil
	}
	return tb.keyIndex()
}

// keyIndex returns k2i, each key's position in keys, building it on first
// use (moonbox patch). Only next() past a key and setting a key again while
// deleted keys linger need it; upstream kept it for every table with a hash
// part, a second map that a record, never iterated, paid for: ~250 bytes
// of a one-key table's ~700.
func (tb *LTable) keyIndex() map[LValue]int {
	if tb.k2i == nil {
		tb.k2i = make(map[LValue]int, len(tb.keys))
		for i, k := range tb.keys {
			tb.k2i[k] = i
		}
	}
	return tb.k2i
}

// compactKeys drops the deleted keys from keys and k2i, into new ones: a
// map does not shrink when cleared.
func (tb *LTable) compactKeys() {
	live := make([]LValue, 0, len(tb.keys)-tb.dead)
	for _, k := range tb.keys {
		if tb.hasKey(k) {
			live = append(live, k)
		}
	}
	tb.keys, tb.k2i, tb.dead = live, nil, 0 // keyIndex rebuilds it if needed
}

// hasKey reports whether the hash part holds key.
func (tb *LTable) hasKey(key LValue) bool {
	if s, ok := key.(LString); ok {
		_, ok := tb.strdict[string(s)]
		return ok
	}
	_, ok := tb.dict[key]
	return ok
}

// growArray checks that the array part may reach n elements, and asks
// TableReserve for a large one's reallocation.
func (tb *LTable) growArray(n int) {
	if MaxArrayLen > 0 && n > MaxArrayLen {
		panic(ErrArrayTooLong)
	}
	if TableReserve != nil && n > cap(tb.array) && n >= reserveSlots && !TableReserve(n*16*5/4) {
		panic(ErrTableNoMemory)
	}
}

// TableReserve, when set, is asked before a table's array part or key list
// of at least reserveSlots values is reallocated, with about the bytes the
// new one takes (and, for keys, the dict beside them); false refuses the
// growth, which panics with ErrTableNoMemory before anything is allocated
// (moonbox patch: a table grows between two of the sandbox's memory checks,
// and its reallocation, old and new at once, trapped a 16 MiB instance).
var TableReserve func(bytes int) bool

// reserveSlots is the smallest growth TableReserve is asked about (32 KiB
// of values): asking costs a heap reading.
const reserveSlots = 2048

// ErrTableNoMemory is the panic value of a table growth TableReserve refused.
var ErrTableNoMemory = errors.New("not enough memory: the table would grow past the instance's memory limit")

// Insert inserts a given LValue at position `i` in this table.
func (tb *LTable) Insert(i int, value LValue) {
	if tb.array == nil {
		tb.array = make([]LValue, 0, defaultArrayCap)
	}
	if i > len(tb.array) {
		tb.RawSetInt(i, value)
		return
	}
	if i <= 0 {
		tb.RawSet(LNumber(i), value)
		return
	}
	i -= 1
	tb.growArray(len(tb.array) + 1)
	tb.array = append(tb.array, LNil)
	copy(tb.array[i+1:], tb.array[i:])
	tb.array[i] = value
}

// MaxN returns a maximum number key that nil value does not exist before it.
func (tb *LTable) MaxN() int {
	if tb.array == nil {
		return 0
	}
	for i := len(tb.array) - 1; i >= 0; i-- {
		if tb.array[i] != LNil {
			return i + 1
		}
	}
	return 0
}

// Remove removes from this table the element at a given position.
func (tb *LTable) Remove(pos int) LValue {
	if tb.array == nil {
		return LNil
	}
	larray := len(tb.array)
	if larray == 0 {
		return LNil
	}
	i := pos - 1
	oldval := LNil
	switch {
	case i >= larray:
		// nothing to do
	case i == larray-1 || i < 0:
		oldval = tb.array[larray-1]
		tb.array = tb.array[:larray-1]
	default:
		oldval = tb.array[i]
		copy(tb.array[i:], tb.array[i+1:])
		tb.array[larray-1] = nil
		tb.array = tb.array[:larray-1]
	}
	return oldval
}

// RawSet sets a given LValue to a given index without the __newindex metamethod.
// It is recommended to use `RawSetString` or `RawSetInt` for performance
// if you already know the given LValue is a string or number.
func (tb *LTable) RawSet(key LValue, value LValue) {
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				tb.array = make([]LValue, 0, defaultArrayCap)
			}
			index := int(v) - 1
			alen := len(tb.array)
			if index >= alen {
				tb.growArray(index + 1)
			}
			switch {
			case index == alen:
				tb.array = append(tb.array, value)
			case index > alen:
				for i := 0; i < (index - alen); i++ {
					tb.array = append(tb.array, LNil)
				}
				tb.array = append(tb.array, value)
			case index < alen:
				tb.array[index] = value
			}
			return
		}
	case LString:
		tb.RawSetString(string(v), value)
		return
	}

	tb.RawSetH(key, value)
}

// RawSetInt sets a given LValue at a position `key` without the __newindex metamethod.
func (tb *LTable) RawSetInt(key int, value LValue) {
	if key < 1 || key >= MaxArrayIndex {
		tb.RawSetH(LNumber(key), value)
		return
	}
	if tb.array == nil {
		tb.array = make([]LValue, 0, 32)
	}
	index := key - 1
	alen := len(tb.array)
	if index >= alen {
		tb.growArray(index + 1)
	}
	switch {
	case index == alen:
		tb.array = append(tb.array, value)
	case index > alen:
		for i := 0; i < (index - alen); i++ {
			tb.array = append(tb.array, LNil)
		}
		tb.array = append(tb.array, value)
	case index < alen:
		tb.array[index] = value
	}
}

// RawSetString sets a given LValue to a given string index without the __newindex metamethod.
func (tb *LTable) RawSetString(key string, value LValue) {
	if tb.tableMaps == nil && tb.setSmall(key, value) {
		return
	}
	if tb.strdict == nil { // the maps hold no string key yet
		tb.strdict = make(map[string]LValue, defaultHashCap)
	}
	if tb.keys == nil {
		tb.keys = []LValue{}
	}

	_, present := tb.strdict[key]
	if value == LNil {
		if present {
			delete(tb.strdict, key)
			tb.dead++ // its key stays in keys until compactKeys
		}
	} else {
		if !present {
			// With no deleted keys, a key absent from the dict is not in keys.
			lkey := LString(key)
			if _, known := tb.keyIndexIfDead()[lkey]; known {
				tb.dead-- // deleted, now set again: its key is live
			} else {
				tb.addKey(lkey)
			}
		}
		tb.strdict[key] = value
	}
}

// RawSetH sets a given LValue to a given index without the __newindex metamethod.
func (tb *LTable) RawSetH(key LValue, value LValue) {
	if s, ok := key.(LString); ok {
		tb.RawSetString(string(s), value)
		return
	}
	if tb.tableMaps == nil { // small: it holds string keys only
		if value == LNil {
			return // absent
		}
		tb.promote()
	}
	if tb.dict == nil {
		tb.dict = make(map[LValue]LValue, len(tb.strdict))
	}
	if tb.keys == nil {
		tb.keys = []LValue{}
	}

	_, present := tb.dict[key]
	if value == LNil {
		if present {
			delete(tb.dict, key)
			tb.dead++ // its key stays in keys until compactKeys
		}
	} else {
		if !present {
			if _, known := tb.keyIndexIfDead()[key]; known {
				tb.dead-- // deleted, now set again: its key is live
			} else {
				tb.addKey(key)
			}
		}
		tb.dict[key] = value
	}
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGet(key LValue) LValue {
	switch v := key.(type) {
	case LNumber:
		if isArrayKey(v) {
			if tb.array == nil {
				return LNil
			}
			index := int(v) - 1
			if index >= len(tb.array) {
				return LNil
			}
			return tb.array[index]
		}
	case LString:
		if tb.tableMaps == nil {
			return tb.smallGet(string(v))
		}
		if tb.strdict == nil {
			return LNil
		}
		if ret, ok := tb.strdict[string(v)]; ok {
			return ret
		}
		return LNil
	}
	if tb.tableMaps == nil || tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetInt returns an LValue at position `key` without __index metamethod.
func (tb *LTable) RawGetInt(key int) LValue {
	if tb.array == nil {
		return LNil
	}
	index := int(key) - 1
	if index >= len(tb.array) || index < 0 {
		return LNil
	}
	return tb.array[index]
}

// RawGet returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetH(key LValue) LValue {
	if s, sok := key.(LString); sok {
		if tb.tableMaps == nil {
			return tb.smallGet(string(s))
		}
		if tb.strdict == nil {
			return LNil
		}
		if v, vok := tb.strdict[string(s)]; vok {
			return v
		}
		return LNil
	}
	if tb.tableMaps == nil || tb.dict == nil {
		return LNil
	}
	if v, ok := tb.dict[key]; ok {
		return v
	}
	return LNil
}

// RawGetString returns an LValue associated with a given key without __index metamethod.
func (tb *LTable) RawGetString(key string) LValue {
	if tb.tableMaps == nil {
		return tb.smallGet(key)
	}
	if tb.strdict == nil {
		return LNil
	}
	if v, vok := tb.strdict[string(key)]; vok {
		return v
	}
	return LNil
}

// ForEach iterates over this table of elements, yielding each in turn to a given function.
func (tb *LTable) ForEach(cb func(LValue, LValue)) {
	if tb.array != nil {
		for i, v := range tb.array {
			if v != LNil {
				cb(LNumber(i+1), v)
			}
		}
	}
	for i := range tb.small {
		if e := &tb.small[i]; e.value != LNil {
			cb(e.lkey(), e.value)
		}
	}
	if tb.tableMaps == nil {
		return
	}
	if tb.strdict != nil {
		for k, v := range tb.strdict {
			if v != LNil {
				cb(LString(k), v)
			}
		}
	}
	if tb.dict != nil {
		for k, v := range tb.dict {
			if v != LNil {
				cb(k, v)
			}
		}
	}
}

// This function is equivalent to lua_next ( http://www.lua.org/manual/5.1/manual.html#lua_next ).
func (tb *LTable) Next(key LValue) (LValue, LValue) {
	init := false
	if key == LNil {
		key = LNumber(0)
		init = true
	}

	if init || key != LNumber(0) {
		if kv, ok := key.(LNumber); ok && isInteger(kv) && int(kv) >= 0 && kv < LNumber(MaxArrayIndex) {
			index := int(kv)
			if tb.array != nil {
				for ; index < len(tb.array); index++ {
					if v := tb.array[index]; v != LNil {
						return LNumber(index + 1), v
					}
				}
			}
			if tb.array == nil || index == len(tb.array) {
				if tb.isSmall() {
					return tb.nextSmall(0)
				}
				if (tb.dict == nil || len(tb.dict) == 0) && (tb.strdict == nil || len(tb.strdict) == 0) {
					return LNil, LNil
				}
				key = tb.keys[0]
				if v := tb.RawGetH(key); v != LNil {
					return key, v
				}
			}
		}
	}

	if tb.isSmall() {
		if s, ok := key.(LString); ok {
			if i := tb.smallIndex(string(s)); i >= 0 {
				return tb.nextSmall(i + 1)
			}
		}
		return LNil, LNil
	}
	for i := tb.keyIndex()[key] + 1; i < len(tb.keys); i++ {
		key := tb.keys[i]
		if v := tb.RawGetH(key); v != LNil {
			return key, v
		}
	}
	return LNil, LNil
}
