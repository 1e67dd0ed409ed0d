package host

import (
	"fmt"
	"testing"
)

func TestPIDRoundTrip(t *testing.T) {
	for _, c := range []struct {
		host         string
		seq          uint64
		tenant, node uint32
	}{{"app:processes", 1, 1, 0}, {"app.jobs:batch", 0xabcdef12345, 65000, 7}} {
		pid := formatPID(c.host, c.seq, c.tenant, c.node)
		p, ok := parsePID(pid)
		if !ok || p.host != c.host || p.seq != c.seq || p.tenant != c.tenant || p.node != c.node {
			t.Errorf("%s parsed as %+v, %v", pid, p, ok)
		}
	}
	for _, bad := range []string{"", "{}", "{a|}", "{|0x1.t1.n0}", "{a|0x1.t1}", "{a|1.t1.n0}", "{a|0xZ.t1.n0}", "{a|0x1.tX.n0}", "{a|0x1.t1.n0", "a|0x1.t1.n0}", "{a|0x1.t1.n0.n1}", "{a|0x1..t1.n0}"} {
		if _, ok := parsePID(bad); ok {
			t.Errorf("parsePID(%q) accepted", bad)
		}
	}
}

// TestFormatPIDIsFmts checks the hand-written formatPID against the format
// it replaces, across the widths of each field.
func TestFormatPIDIsFmts(t *testing.T) {
	for _, host := range []string{"app:processes", "h", "a.very.long.host.name:with-a-long-suffix-past-the-buffer"} {
		for _, seq := range []uint64{0, 1, 0xf, 0xffff, 0x10000, 0xabcdef12345, 1<<64 - 1} {
			for _, n := range []uint32{0, 7, 65000, 1<<32 - 1} {
				want := fmt.Sprintf("{%s|0x%05x.t%d.n%d}", host, seq, n, n/3)
				if got := formatPID(host, seq, n, n/3); got != want {
					t.Errorf("formatPID = %q, want %q", got, want)
				}
			}
		}
	}
}
