package console

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/moonbox-runtime/moonbox"
)

// feed pushes n samples a second apart: messages grow by 10 a second,
// denials by 1, and the counters start over (a redeploy) at reset.
func feed(r *ring, n, reset int) time.Time {
	at := time.Unix(1000, 0)
	base := 0
	for i := 1; i <= n; i++ {
		if i == reset {
			base = i
		}
		k := int64(i - base)
		r.push(sample{seq: int64(i), at: at.Add(time.Duration(i) * time.Second),
			Stats: moonbox.Stats{Messages: 10 * k, Denials: k, Linear: uint64(i)}})
	}
	return at
}

func TestRingRates(t *testing.T) {
	var r ring
	feed(&r, 700, 0)
	if r.n != History {
		t.Fatalf("held %d samples, want %d", r.n, History)
	}
	newest, _ := r.back(0)
	oldest, _ := r.back(History - 1)
	if newest.seq != 700 || oldest.seq != 101 {
		t.Fatalf("newest %d oldest %d, want 700 and 101", newest.seq, oldest.seq)
	}
	if _, ok := r.back(History); ok {
		t.Error("back past the oldest sample answered")
	}
	if got := r.over(1); got.Messages != 10 || got.Denials != 1 {
		t.Errorf("rates over a second: %+v", got)
	}
	if got := r.over(60); got.Messages != 10 || got.Denials != 1 {
		t.Errorf("rates over a minute: %+v", got)
	}
	s := r.series(SparkStep)
	if len(s.Messages) != History/SparkStep-1 || s.Messages[0] != 10 || s.Denials[0] != 60 {
		t.Errorf("sparkline: %d points, first %v msgs/s, %v denials/min", len(s.Messages), s.Messages[0], s.Denials[0])
	}
	if tick, ok := r.tick(SparkStep); !ok || len(tick.Messages) != 1 || tick.Memory[0] != 700 {
		t.Errorf("the tick at seq 700 closes a bucket: %v %+v", ok, tick)
	}
	r.push(sample{seq: 701, at: newest.at.Add(time.Second), Stats: newest.Stats})
	if _, ok := r.tick(SparkStep); ok {
		t.Error("seq 701 closed a bucket")
	}
}

func TestRingCounterReset(t *testing.T) {
	var r ring
	feed(&r, 10, 8) // counters start over at the 8th sample
	if got := r.over(1); got.Messages != 10 {
		t.Errorf("after a reset: %v msgs/s, want 10", got.Messages)
	}
	r2 := ring{}
	feed(&r2, 8, 8)
	if got := r2.over(1); got.Messages < 0 {
		t.Errorf("a counter that went back gave a negative rate: %v", got.Messages)
	}
}

func TestJournalBoundedAndClipped(t *testing.T) {
	var j journal
	long := strings.Repeat("é", maxText) // 2 bytes a rune: cut in the middle of one
	for i := range 3 * JournalSize {
		j.event(moonbox.Event{Kind: moonbox.EventExit, Message: long, PID: string(rune('a' + i%26))})
	}
	got := j.exits.recent()
	if len(got) != JournalSize {
		t.Fatalf("%d entries kept, want %d", len(got), JournalSize)
	}
	if m := got[0].Message; len(m) > maxText+len("…") || !utf8.ValidString(m) {
		t.Errorf("a long message kept as %d bytes, valid UTF-8 %v", len(m), utf8.ValidString(m))
	}
	if got[0].PID != string(rune('a'+(3*JournalSize-1)%26)) {
		t.Errorf("newest first: got %q", got[0].PID)
	}
	j.event(moonbox.Event{Kind: moonbox.EventPrint, Message: "x"})
	if len(j.kills.recent())+len(j.denials.recent())+len(j.warnings.recent()) != 0 {
		t.Error("a print was filed")
	}
}
