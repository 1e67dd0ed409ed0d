package vm

import "testing"

// TestStringCap: an instance with a small heap limit gets a string cap that
// leaves room for the allocation that crosses its soft limit; without a
// limit (native mode) the cap is maxStringBytes.
func TestStringCap(t *testing.T) {
	for _, c := range []struct {
		soft uint64
		want int
	}{
		{0, maxStringBytes},
		{48 << 20, 8 << 20},       // 64 MiB instance: 16 MiB above the soft limit
		{768 << 20, 64 << 20},     // 1 GiB instance: capped at maxStringBytes
		{3 << 30, maxStringBytes}, // larger still
	} {
		if got := stringCap(c.soft); got != c.want {
			t.Errorf("stringCap(%d) = %d, want %d", c.soft, got, c.want)
		}
	}
}

func TestPatternDepth(t *testing.T) {
	for _, c := range []struct {
		soft uint64
		want int
	}{{0, 0}, {6 << 20, 1365}, {42 << 20, 25941}, {762 << 20, 517461}} {
		if got := patternDepth(c.soft); got != c.want {
			t.Errorf("patternDepth(%d) = %d, want %d", c.soft, got, c.want)
		}
	}
}
