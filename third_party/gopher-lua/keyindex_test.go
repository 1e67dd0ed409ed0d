package lua

import (
	"slices"
	"testing"
)

// TestKeyIndexIsBuiltOnDemand: a table's key index (k2i) is made only when
// next() needs it, and traversal keeps insertion order with or without it,
// across deletions, re-insertions and compaction. Its tables have more
// keys than a small table holds (smalltable.go), so they use the maps.
func TestKeyIndexIsBuiltOnDemand(t *testing.T) {
	tb := newLTable(0, 0)
	letters := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}
	for _, k := range letters {
		tb.RawSetString(k, LString(k))
	}
	if tb.k2i != nil {
		t.Fatal("a table that was never traversed has a key index")
	}
	keys := func() []string {
		var out []string
		for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
			out = append(out, k.String())
		}
		return out
	}
	if got := keys(); !slices.Equal(got, letters) {
		t.Fatalf("traversal %v", got)
	}
	if tb.k2i == nil {
		t.Fatal("next() past the first key built no index")
	}
	tb.RawSetString("b", LNil)      // deleted: its key lingers
	tb.RawSetString("b", LTrue)     // set again: same place
	tb.RawSetH(LNumber(1.5), LTrue) // a new non-string key, indexed too
	if got := keys(); !slices.Equal(got, append(letters, "1.5")) {
		t.Fatalf("after delete and re-set: %v", got)
	}

	// A fresh table with deletions and no traversal: re-setting a deleted key
	// still finds it (the index is built then), and compaction drops it.
	tb = newLTable(0, 0)
	for i := 0; i < 100; i++ {
		tb.RawSetString(string(rune('A'+i%26))+string(rune('a'+i/26)), LTrue)
	}
	tb.RawSetString("Aa", LNil)
	tb.RawSetString("Aa", LTrue)
	if tb.dead != 0 || len(tb.keys) != 100 {
		t.Fatalf("re-set after delete: dead %d, %d keys", tb.dead, len(tb.keys))
	}
	for i := 0; i < 60; i++ {
		tb.RawSetString(string(rune('A'+i%26))+string(rune('a'+i/26)), LNil)
	}
	tb.RawSetString("new", LTrue) // compacts: 60 dead of 100
	if got := keys(); len(got) != 41 || got[40] != "new" {
		t.Fatalf("after compaction: %d keys, last %q", len(got), got[len(got)-1])
	}
}
