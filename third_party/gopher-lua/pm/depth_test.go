package pm

import (
	"strings"
	"testing"
)

// TestFindMeteredDepth: past maxDepth levels of recursion a match fails
// with "pattern/input too complex" instead of growing the Go stack further;
// 0 keeps upstream's limit.
func TestFindMeteredDepth(t *testing.T) {
	src := []byte(strings.Repeat("a", 1000))
	if _, err := FindMetered("^a*$", src, 0, 1, nil, 100); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("depth 100 over 1,000 characters: err %v, want too complex", err)
	}
	m, err := FindMetered("^a*$", src, 0, 1, nil, 0)
	if err != nil || len(m) != 1 {
		t.Fatalf("default depth: %v, %d matches", err, len(m))
	}
	steps := 0
	if _, err := FindMetered("a*b", src, 0, 1, func(n int) { steps += n }, 0); err != nil || steps == 0 {
		t.Fatalf("metered match: err %v, %d steps charged", err, steps)
	}
}
