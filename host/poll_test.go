package host

import (
	"testing"
	"time"
)

// A shard whose work comes back within a hop polls about twice the hop, up
// to pollMax; once its idle spells turn long, it polls pollMin.
func TestPollLearnsIdleSpells(t *testing.T) {
	s := &shard{idleSpell: pollMin / 2, pollFor: pollMin}
	for range 20 {
		s.learnIdle(40 * time.Microsecond) // a sandboxed hop
	}
	if s.pollFor < 70*time.Microsecond || s.pollFor > pollMax {
		t.Fatalf("after 40 µs spells the poll lasts %v, want about 80 µs", s.pollFor)
	}
	for range 20 {
		s.learnIdle(time.Second) // to sleep, not a hop
	}
	if s.pollFor != pollMin {
		t.Fatalf("after long spells the poll lasts %v, want %v", s.pollFor, pollMin)
	}
	for range 20 {
		s.learnIdle(2 * time.Microsecond) // a one-way stream's pushes
	}
	if s.pollFor != pollMin {
		t.Fatalf("after 2 µs spells the poll lasts %v, want %v", s.pollFor, pollMin)
	}
	for range 20 {
		s.learnIdle(time.Millisecond / 10)
	}
	if s.pollFor != pollMax {
		t.Fatalf("after 100 µs spells the poll lasts %v, want %v", s.pollFor, pollMax)
	}
}
