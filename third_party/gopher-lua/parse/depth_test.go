package parse

import (
	"strings"
	"testing"
)

// TestMaxStackDepth: with a bound, deep nesting is a syntax error, not a
// stack growing without end; nesting well past real programs' still parses.
func TestMaxStackDepth(t *testing.T) {
	nested := func(n int) string {
		return "return " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n)
	}
	defer func(old int) { MaxStackDepth = old }(MaxStackDepth)
	MaxStackDepth = 1 << 14
	if _, err := Parse(strings.NewReader(nested(2000)), "ok"); err != nil {
		t.Fatalf("2,000 levels: %v", err)
	}
	_, err := Parse(strings.NewReader(nested(200000)), "deep")
	if err == nil || !strings.Contains(err.Error(), "too many syntax levels") {
		t.Fatalf("200,000 levels: %v, want too many syntax levels", err)
	}
	MaxStackDepth = 0
	if _, err := Parse(strings.NewReader(nested(200000)), "unbounded"); err != nil {
		t.Fatalf("200,000 levels without a bound: %v", err)
	}
}
