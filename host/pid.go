package host

import (
	"strconv"
	"strings"
)

// A PID names a process: {host|0xSEQ.tTENANT.nNODE}, for example
// {app:processes|0x0001a.t1.n0}. SEQ is unique for the life of the runtime
// (never reused), TENANT and NODE let a router find the process's tenant and
// node without a lookup. A PID is opaque to Lua code.
type pidParts struct {
	host   string
	seq    uint64
	tenant uint32
	node   uint32
}

// formatPID writes the PID as fmt's "{%s|0x%05x.t%d.n%d}" would, by hand:
// every spawn, call and Go-side gateway makes one, and fmt's boxing of the
// arguments was a fifth of a Go-side process's birth (pprof of
// BenchmarkCall/native/gocall).
func formatPID(host string, seq uint64, tenant, node uint32) string {
	var buf [64]byte
	b := append(buf[:0], '{')
	b = append(b, host...)
	b = append(b, "|0x"...)
	var hex [16]byte
	digits := strconv.AppendUint(hex[:0], seq, 16)
	for range 5 - min(5, len(digits)) {
		b = append(b, '0')
	}
	b = append(b, digits...)
	b = append(b, ".t"...)
	b = strconv.AppendUint(b, uint64(tenant), 10)
	b = append(b, ".n"...)
	b = strconv.AppendUint(b, uint64(node), 10)
	return string(append(b, '}'))
}

func parsePID(s string) (pidParts, bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return pidParts{}, false
	}
	host, rest, found := strings.Cut(s[1:len(s)-1], "|")
	if !found || host == "" {
		return pidParts{}, false
	}
	// Three dot-separated fields, cut rather than split: every send parses
	// its destination, and a split allocates.
	seqF, rest, ok1 := strings.Cut(rest, ".")
	tenantF, nodeF, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(nodeF, ".") ||
		!strings.HasPrefix(seqF, "0x") || !strings.HasPrefix(tenantF, "t") || !strings.HasPrefix(nodeF, "n") {
		return pidParts{}, false
	}
	seq, err1 := strconv.ParseUint(seqF[2:], 16, 64)
	tenant, err2 := strconv.ParseUint(tenantF[1:], 10, 32)
	node, err3 := strconv.ParseUint(nodeF[1:], 10, 32)
	if err1 != nil || err2 != nil || err3 != nil {
		return pidParts{}, false
	}
	return pidParts{host: host, seq: seq, tenant: uint32(tenant), node: uint32(node)}, true
}

func isPID(s string) bool { return strings.HasPrefix(s, "{") }
