package lab

import (
	"fmt"
	"strconv"
)

// A workload's size: full, or shrunk by --quick; the sandbox's full runs
// are shorter than native ones.

// size picks a workload size: full or --quick.
func (b *bench) size(full, quick int) int {
	if b.Quick {
		return quick
	}
	return full
}

// sizeFor picks a size by mode: the sandbox runs this runtime's messaging
// 20-40x slower than native, so its full runs are shorter (the figures are
// rates; each size keeps a run above a second or so).
func (b *bench) sizeFor(native bool, sandbox, nat, quick int) int {
	switch {
	case b.Quick:
		return quick
	case native:
		return nat
	}
	return sandbox
}

// sizes describes a sizeFor choice for a footnote.
func (b *bench) sizes(sandbox, nat, quick int, what string) string {
	if b.Quick {
		return fmt.Sprintf("%s %s", commas(quick), what)
	}
	return fmt.Sprintf("%s %s sandboxed, %s natively", commas(sandbox), what, commas(nat))
}

func commas(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
