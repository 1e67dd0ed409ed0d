package host

import "testing"

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
