//go:build wasip1

// The probe guest: a wasip1 reactor that runs one probe.Primitive per call.
package main

import "github.com/moonbox-runtime/moonbox/sandbox/internal/probe"

//go:wasmimport probe nop
func nop()

// run measures primitive i (len(probe.Primitives): a call of the host's nop
// import) n times and returns the nanoseconds per operation, times 1000.
//
//go:wasmexport run
func run(i, n uint32) uint64 {
	if int(i) < len(probe.Primitives) {
		return uint64(probe.Primitives[i].Run(int(n)) * 1000)
	}
	start := now()
	for j := uint32(0); j < n; j++ {
		nop()
	}
	return uint64((now() - start) * 1000 / float64(n))
}

func main() {}
