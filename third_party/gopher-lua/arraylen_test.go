package lua

import (
	"strings"
	"testing"
)

// TestMaxArrayLen: growing a table's array part past MaxArrayLen, by index,
// by table.insert or by a constructor, is a Lua error that pcall catches;
// within it nothing changes.
func TestMaxArrayLen(t *testing.T) {
	defer func(old int) { MaxArrayLen = old }(MaxArrayLen)
	MaxArrayLen = 1000
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		local function fill(f) return pcall(function() local t = {} for i = 1, 2000 do f(t, i) end end) end
		local ok1, e1 = fill(function(t, i) t[i] = i end)
		local ok2, e2 = fill(function(t, i) table.insert(t, i) end)
		local ok3, e3 = fill(function(t, i) t[#t + 1] = i end)
		local small = {}
		for i = 1, 1000 do small[i] = i end
		result = tostring(ok1) .. tostring(ok2) .. tostring(ok3) .. " " .. #small .. " " .. tostring(e1)`)
	if err != nil {
		t.Fatal(err)
	}
	got := L.GetGlobal("result").String()
	if !strings.HasPrefix(got, "falsefalsefalse 1000 ") || !strings.Contains(got, "table too large") {
		t.Fatalf("got %q", got)
	}
}
