package lua

import (
	"strings"
	"testing"
)

// TestSmallRegistryGrows: a registry may start under upstream's floor of
// 128 slots (which silently became 5,120), and grows geometrically up to its
// maximum, past which a call fails with a Lua error.
func TestSmallRegistryGrows(t *testing.T) {
	L := NewState(Options{RegistrySize: 16, RegistryGrowStep: 8, RegistryMaxSize: 4096, CallStackSize: 1000, MinimizeStackMemory: true})
	defer L.Close()
	if got := len(L.reg.array); got != 16 {
		t.Fatalf("registry starts with %d slots, want 16", got)
	}
	err := L.DoString(`
		local function deep(n, a, b, c, d) if n == 0 then return 0 end return 1 + deep(n - 1, a, b, c, d) end
		depth = deep(200, 1, 2, 3, 4)
		local ok, err = pcall(deep, 900, 1, 2, 3, 4)
		msg = tostring(err)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := L.GetGlobal("depth"); got != LNumber(200) {
		t.Fatalf("deep(200) = %v", got)
	}
	if got := len(L.reg.array); got != 4096 {
		t.Fatalf("registry grew to %d slots, want its maximum 4096", got)
	}
	if msg := L.GetGlobal("msg").String(); !strings.Contains(msg, "registry overflow") && !strings.Contains(msg, "stack overflow") {
		t.Fatalf("recursion past the maximum: %q, want an overflow error", msg)
	}
}

// TestRegistryGrowsGeometrically: each resize at least doubles the array, so
// a growing stack is copied O(n) times in total, not O(n²/growBy).
func TestRegistryGrowsGeometrically(t *testing.T) {
	L := NewState(Options{RegistrySize: 8, RegistryGrowStep: 1, RegistryMaxSize: 1 << 20})
	defer L.Close()
	resizes, last := 0, len(L.reg.array)
	for i := 0; i < 1<<16; i++ {
		L.Push(LNumber(i))
		if n := len(L.reg.array); n != last {
			resizes, last = resizes+1, n
		}
	}
	if resizes > 14 {
		t.Fatalf("%d resizes for 65,536 pushes: growth is not geometric", resizes)
	}
}
