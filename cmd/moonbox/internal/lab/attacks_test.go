package lab

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSelectAttacks checks the order of the attacks and their variants
// (from the "-- stress:" lines of examples/hostile's main.lua files).
func TestSelectAttacks(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "examples", "hostile")
	got, err := SelectAttacks(dir, []string{"table-bomb", "infinite-loop", "string-bomb:concat"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "infinite-loop table-bomb:array table-bomb:hash table-bomb:tables string-bomb:concat"; strings.Join(got, " ") != want {
		t.Errorf("SelectAttacks = %v, want %s", got, want)
	}
	all, err := SelectAttacks(dir, nil)
	if err != nil || len(all) < 2 || all[0] != Control {
		t.Errorf("SelectAttacks(all) = %v, %v; want %s first", all, err, Control)
	}
	if _, err := SelectAttacks(dir, []string{"no-such-attack"}); err == nil || !strings.Contains(err.Error(), `unknown attack "no-such-attack"`) {
		t.Errorf("SelectAttacks(no-such-attack): %v", err)
	}
}
