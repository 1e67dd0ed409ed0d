package lab

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// The stress run puts a well-behaved tenant next to each attacker bundle (of
// examples/hostile) and reports whether the attacker was contained: the
// neighbour's throughput and p99 latency next to the attacker as ratios to
// the same neighbour running alone, messages lost, how and how fast the
// attack ended. docs/ISOLATION.md holds a run's table and what it means.
//
// Each attack is one row, measured in a runtime of its own, so that nothing
// an attacker leaves behind burdens a later row. The phases of a row are in
// scenario.go, the goals it is judged against in judge.go.

// StressOptions are the choices of a stress run.
type StressOptions struct {
	JSON     bool          // one JSON object per attack instead of the table
	Quick    bool          // short windows (proves the properties; the figures are rough)
	Shards   int           // scheduler shards
	Duration time.Duration // the solo window and the attack window
	Bundles  string        // the attacker bundles' directory (see FindAttackers)
	// OSBaseline also measures each attack as a separate OS process run
	// by Self, the moonbox binary (osprocess.go).
	OSBaseline bool
	Self       string
	Stdout     io.Writer
	Stderr     io.Writer // progress
}

type stress struct {
	StressOptions
	grace time.Duration // how long past the attack window the attacker may take to end
	after time.Duration // the after window
	warm  int           // warm-up round trips

	good    string // the good tenant's bundle, written from stress/good
	control string // the control tenant's bundle, written from stress/control
}

// Stress runs each of attacks (see SelectAttacks) next to the good tenant
// and prints a row for each. It reports whether every row passed its goals;
// the error is a run that could not start.
func Stress(o StressOptions, attacks []string) (bool, error) {
	s := &stress{StressOptions: o, grace: 10 * time.Second, after: time.Second, warm: 2000}
	if o.Quick {
		s.grace, s.after, s.warm = 5*time.Second, 200*time.Millisecond, 300
	}
	b := bundles{prefix: "moonbox-stress-"}
	defer b.remove()
	var err error
	if s.good, err = b.dir("good", "stress/good"); err != nil {
		return false, err
	}
	if s.control, err = b.dir("control", "stress/control"); err != nil {
		return false, err
	}
	return s.runAll(attacks), nil
}

func (s *stress) progress(format string, args ...any) {
	fmt.Fprintf(s.Stderr, "stress: "+format+"\n", args...)
}

func (s *stress) runAll(attacks []string) bool {
	start := time.Now()
	load0 := loadAverage()
	s.progress("%d attacks, %d shards, %s windows, load average %s", len(attacks), s.Shards, s.Duration, load0)
	var rows []*StressRow
	enc := json.NewEncoder(s.Stdout)
	pass := true
	for _, a := range attacks {
		s.progress("%s", a)
		t0 := time.Now()
		row := s.runRow(a)
		verdict := "PASS"
		if !row.Pass {
			verdict = "FAIL: " + strings.Join(row.Fails, "; ")
			pass = false
		}
		s.progress("%s: %s in %s; %s", a, row.End, time.Since(t0).Round(time.Millisecond), verdict)
		if s.JSON {
			enc.Encode(row)
		}
		rows = append(rows, row)
	}
	if !s.JSON {
		s.printTable(rows, start, load0)
	}
	return pass
}

// runRow measures one attack and judges it.
func (s *stress) runRow(attack string) *StressRow {
	row, ping, pong := s.measureRow(attack)
	judge(row, ping, pong)
	if s.OSBaseline {
		s.progress("%s: the same attacker as another OS process", attack)
		row.OSProcess = s.measureOSBaseline(attack)
	}
	return row
}

// attackDir is the bundle of an attack ("name" or "name:arg").
func (s *stress) attackDir(attack string) string {
	name, _, _ := strings.Cut(attack, ":")
	return filepath.Join(s.Bundles, name)
}
