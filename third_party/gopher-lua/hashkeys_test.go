package lua

import (
	"strings"
	"testing"
)

// TestDeletedKeysAreForgotten: a table used as a map with churn keeps its
// key list near its live size (upstream kept every key ever set); clearing
// fields during a traversal still visits every field; a key deleted and set
// again is iterated once.
func TestDeletedKeysAreForgotten(t *testing.T) {
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		churn = {}
		for i = 1, 100000 do
			churn["s" .. i] = true
			churn[i + 0.5] = true
			if i > 10 then churn["s" .. (i - 10)] = nil; churn[i - 10 + 0.5] = nil end
		end
		live = 0
		for _ in pairs(churn) do live = live + 1 end

		cleared = {}
		for i = 1, 1000 do cleared["k" .. i] = i end
		visited = 0
		for k in pairs(cleared) do visited = visited + 1; cleared[k] = nil end
		left = next(cleared)

		again = {a = 1, b = 2}
		again.a = nil
		again.a = 3
		seen = 0
		for _ in pairs(again) do seen = seen + 1 end`)
	if err != nil {
		t.Fatal(err)
	}
	churn := L.GetGlobal("churn").(*LTable)
	if n := L.GetGlobal("live"); n != LNumber(20) {
		t.Fatalf("churned table iterates %v entries, want 20", n)
	}
	if len(churn.keys) > 200 {
		t.Fatalf("churned table of 20 entries keeps %d keys", len(churn.keys))
	}
	if v, left := L.GetGlobal("visited"), L.GetGlobal("left"); v != LNumber(1000) || left != LNil {
		t.Fatalf("clearing during traversal visited %v of 1000, left %v", v, left)
	}
	if n := L.GetGlobal("seen"); n != LNumber(2) {
		t.Fatalf("a key deleted and set again iterated %v entries, want 2", n)
	}
}

// TestMaxHashLen: adding keys past MaxHashLen, string or not, is a Lua
// error that pcall catches, and the refused key leaves no trace; keys that
// were deleted make room.
func TestMaxHashLen(t *testing.T) {
	defer func(old int) { MaxHashLen = old }(MaxHashLen)
	MaxHashLen = 100
	L := NewState()
	defer L.Close()
	err := L.DoString(`
		local function fill(key)
			local t = {}
			local ok, e = pcall(function() for i = 1, 200 do t[key(i)] = i end end)
			local n = 0
			for _ in pairs(t) do n = n + 1 end
			return ok, e, n, t[key(101)]
		end
		local ok1, e1, n1, refused1 = fill(function(i) return "k" .. i end)
		local ok2, e2, n2, refused2 = fill(function(i) return i + 0.5 end)
		local reuse = {}
		for i = 1, 100 do reuse[i + 0.5] = i end
		for i = 1, 50 do reuse[i + 0.5] = nil end
		local ok3 = pcall(function() for i = 101, 150 do reuse[i + 0.5] = i end end)
		result = table.concat({tostring(ok1), n1, tostring(refused1), tostring(ok2), n2, tostring(refused2), tostring(ok3)}, " ") .. " " .. e1`)
	if err != nil {
		t.Fatal(err)
	}
	got := L.GetGlobal("result").String()
	if !strings.HasPrefix(got, "false 100 nil false 100 nil true ") || !strings.Contains(got, "table too large: its hash part") {
		t.Fatalf("got %q", got)
	}
}
