package lua

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSmallTableAgainstAMap hammers tables with random sets, deletions,
// reads and traversals — some staying small, some promoted by a ninth
// string key or a non-string one — and checks each against a Go map: every
// read, every traversal (each live key once, in an order that assignment
// to existing keys does not change), and traversals that clear or reassign
// the fields they visit, as Lua allows.
func TestSmallTableAgainstAMap(t *testing.T) {
	for seed := uint64(0); seed < 300; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		nstr := 1 + rng.IntN(12) // string keys in play: <= 8 may stay small
		withOthers := seed%3 == 0
		var pool []LValue
		for i := 0; i < nstr; i++ {
			pool = append(pool, LString(fmt.Sprintf("k%d", i)))
		}
		if withOthers {
			pool = append(pool, LNumber(1.5), LTrue, LNumber(2))
		}
		hcap := rng.IntN(10) // a hint past smallHashMax makes the maps at once
		tb := newLTable(0, hcap)
		model := map[LValue]LValue{}
		check := func(step int, what string) {
			t.Helper()
			for _, k := range pool {
				want, ok := model[k]
				if !ok {
					want = LNil
				}
				if got := tb.RawGet(k); got != want {
					t.Fatalf("seed %d step %d after %s: RawGet(%v) = %v, want %v", seed, step, what, k, got, want)
				}
				if s, isStr := k.(LString); isStr {
					if got := tb.RawGetString(string(s)); got != want {
						t.Fatalf("seed %d step %d: RawGetString(%v) = %v, want %v", seed, step, k, got, want)
					}
					if got := tb.RawGetH(k); got != want {
						t.Fatalf("seed %d step %d: RawGetH(%v) = %v, want %v", seed, step, k, got, want)
					}
				}
			}
			seen := map[LValue]bool{}
			for k, v := tb.Next(LNil); k != LNil; k, v = tb.Next(k) {
				if seen[k] || model[k] != v {
					t.Fatalf("seed %d step %d: next gave %v=%v (seen %v, model %v)", seed, step, k, v, seen[k], model[k])
				}
				seen[k] = true
			}
			if len(seen) != len(model) {
				t.Fatalf("seed %d step %d: next visited %d keys of %d", seed, step, len(seen), len(model))
			}
			n := 0
			tb.ForEach(func(k, v LValue) {
				if model[k] != v {
					t.Fatalf("seed %d step %d: ForEach gave %v=%v, model %v", seed, step, k, v, model[k])
				}
				n++
			})
			if n != len(model) {
				t.Fatalf("seed %d step %d: ForEach visited %d of %d", seed, step, n, len(model))
			}
		}
		order := func() []LValue {
			var out []LValue
			for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
				out = append(out, k)
			}
			return out
		}
		for step := 0; step < 200; step++ {
			k := pool[rng.IntN(len(pool))]
			switch op := rng.IntN(10); {
			case op < 5:
				v := LNumber(rng.IntN(1000))
				tb.RawSet(k, v)
				model[k] = v
				check(step, "set")
			case op < 8:
				if rng.IntN(2) == 0 {
					tb.RawSet(k, LNil)
				} else if s, ok := k.(LString); ok {
					tb.RawSetString(string(s), LNil)
				} else {
					tb.RawSet(k, LNil) // RawSetH would miss 2 in the array part
				}
				delete(model, k)
				check(step, "delete")
			case op == 8:
				// Assigning existing fields during a traversal keeps the order.
				before := order()
				for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
					v := LNumber(rng.IntN(1000))
					tb.RawSet(k, v)
					model[k] = v
				}
				if after := order(); !slices.Equal(before, after) {
					t.Fatalf("seed %d step %d: order %v became %v after reassignment", seed, step, before, after)
				}
				check(step, "reassign during next")
			default:
				// Clearing fields during a traversal visits every field once.
				before := maps.Clone(model)
				visited := map[LValue]bool{}
				for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
					if visited[k] {
						t.Fatalf("seed %d step %d: %v visited twice while clearing", seed, step, k)
					}
					visited[k] = true
					if rng.IntN(3) > 0 {
						tb.RawSet(k, LNil)
						delete(model, k)
					}
				}
				for k := range before {
					if !visited[k] {
						t.Fatalf("seed %d step %d: %v not visited while clearing", seed, step, k)
					}
				}
				check(step, "clear during next")
			}
		}
		if nstr <= smallHashMax && !withOthers && hcap <= smallHashMax && !tb.isSmall() {
			t.Fatalf("seed %d: a table of at most %d string keys was promoted", seed, nstr)
		}
		if nstr > smallHashMax && len(model) > smallHashMax && tb.isSmall() {
			t.Fatalf("seed %d: a table of %d keys is still small", seed, len(model))
		}
	}
}

// TestSmallTableMakesNoMap: a record of a few string keys, built and read
// through Lua, traversed and partly cleared, never makes the maps; a ninth
// key or a non-string key moves it to them with its order kept.
func TestSmallTableMakesNoMap(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		rec = {channel = "c", value = 1, ok = true}
		rec.extra = "x"
		for k in pairs(rec) do if k == "value" then rec[k] = nil end end
		rec.value = 2
		grown = {a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8}
		grown.i = 9
		mixed = {a = 1, b = 2}
		mixed[1.5] = 3
		order = ""
		for k in pairs(grown) do order = order .. k end
		for k in pairs(mixed) do order = order .. tostring(k) end`)
	if err != nil {
		t.Fatal(err)
	}
	rec := L.GetGlobal("rec").(*LTable)
	if !rec.isSmall() || rec.RawGetString("value") != LNumber(2) || rec.RawGetString("ok") != LTrue {
		t.Fatalf("record: small %v, value %v", rec.isSmall(), rec.RawGetString("value"))
	}
	for _, name := range []string{"grown", "mixed"} {
		if L.GetGlobal(name).(*LTable).isSmall() {
			t.Fatalf("%s is still small", name)
		}
	}
	if got := L.GetGlobal("order").String(); got != "abcdefghiab1.5" {
		t.Fatalf("traversal order after promotion %q", got)
	}
}

// TestNewTableStartsSmall: a table Go code makes with NewTable (a metatable,
// a method table) is a small table while it has at most eight string keys,
// and a method call through it finds its method; a library-sized one is
// promoted and still reads every key.
func TestNewTableStartsSmall(t *testing.T) {
	L := NewState()
	defer L.Close()
	methods := L.NewTable()
	for _, name := range []string{"topic", "from", "payload"} {
		name := name
		methods.RawSetString(name, L.NewFunction(func(L *LState) int { L.Push(LString(name)); return 1 }))
	}
	mt := L.NewTable()
	mt.RawSetString("__index", methods)
	mt.RawSetString("__metatable", LFalse)
	if !methods.isSmall() || !mt.isSmall() {
		t.Fatalf("NewTable made maps: methods small %v, metatable small %v", methods.isSmall(), mt.isSmall())
	}
	ud := L.NewUserData()
	ud.Metatable = mt
	L.SetGlobal("m", ud)
	if err := L.DoString(`got = m:topic() .. m:from() .. m:payload()`); err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("got").String(); got != "topicfrompayload" {
		t.Fatalf("method calls through a small metatable returned %q", got)
	}
	lib := L.NewTable()
	for i := 0; i < 20; i++ {
		lib.RawSetString(fmt.Sprintf("f%d", i), LNumber(i))
	}
	if lib.isSmall() {
		t.Fatal("a table of 20 string keys is still small")
	}
	for i := 0; i < 20; i++ {
		if v := lib.RawGetString(fmt.Sprintf("f%d", i)); v != LNumber(i) {
			t.Fatalf("f%d = %v after promotion", i, v)
		}
	}
}
