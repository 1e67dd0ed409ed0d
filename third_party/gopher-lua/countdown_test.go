package lua

import (
	"context"
	"testing"
	"time"
)

// countingContext counts calls of Done and ends the script after limit.
type countingContext struct {
	calls int
	limit int
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *countingContext) Done() <-chan struct{} {
	c.calls++
	if c.calls >= c.limit {
		return closed
	}
	return nil
}
func (c *countingContext) Err() error                  { return context.Canceled }
func (c *countingContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *countingContext) Value(any) any               { return nil }

// TestCountdown: with a countdown set, Done is consulted only when the
// counter runs out, and a Done that is closed then still stops the loop.
func TestCountdown(t *testing.T) {
	L := NewState()
	defer L.Close()
	ctx := &countingContext{limit: 3}
	left := int64(1000)
	L.SetContext(ctx)
	L.SetCountdown(&left)
	err := L.DoString(`while true do end`)
	if err == nil {
		t.Fatal("infinite loop ended without an error")
	}
	if ctx.calls != 3 {
		t.Fatalf("Done called %d times, want 3 (once per exhausted countdown)", ctx.calls)
	}
	if left > 0 {
		t.Fatalf("countdown left at %d, want exhausted", left)
	}
}
