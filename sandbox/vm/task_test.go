package vm

import (
	"testing"
	"time"
)

// TestNextPeriod: a period that took longer than tickWall makes the next one
// shorter in proportion, never below minPeriod nor above the last; quick
// periods double back up to tickEvery.
func TestNextPeriod(t *testing.T) {
	const every = 2000
	for _, c := range []struct {
		period, ran int64
		elapsed     time.Duration
		want        int64
	}{
		{every, every, 200 * time.Microsecond, every},         // normal speed
		{every, every, 10 * time.Millisecond, every / 20},     // 20x too slow
		{every, every, time.Second, minPeriod},                // floor
		{100, 100, 200 * time.Microsecond, 200},               // recovering: doubles
		{1500, 1500, 200 * time.Microsecond, every},           // up to tickEvery, no further
		{100, 1_000_000, 2 * time.Millisecond, 100},           // a big builtin at full speed: not longer than before
		{every, every + 500, 2 * tickWall, (every + 500) / 2}, // overdraft counts as units run
		{every, 0, time.Second, minPeriod},                    // nothing ran (a stop): shortest
	} {
		if got := nextPeriod(c.period, c.ran, c.elapsed, every); got != c.want {
			t.Errorf("nextPeriod(%d, %d, %v) = %d, want %d", c.period, c.ran, c.elapsed, got, c.want)
		}
	}
}
