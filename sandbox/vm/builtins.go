package vm

import (
	"fmt"
	"math"
	"math/rand"
	"strings"

	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/parse"
)

// The instruction budget cannot see inside a Go builtin: one call of
// string.rep can allocate a gigabyte, one string.format a width of a billion.
// These wrappers check sizes before the work is done, so such a call is an
// ordinary Lua error of the caller instead of a sandbox-wide out-of-memory.
// (Growth through `..` is an opcode, not a builtin; the memory soft limit
// catches it at the next tick.)

// maxParseStack bounds the parser's stack (a gopher-lua patch), about two
// entries a level of nesting: 4,096 allow ~2,000 nested parentheses or
// table constructors (Lua 5.1 allows 200), and past that a chunk is the
// syntax error "chunk has too many syntax levels". Unbounded, 100,000
// nested parentheses grew it to a 32 MiB allocation and trapped the
// instance, and the compiler recurses as deep as the parser accepted.
const maxParseStack = 4096

// Vararg functions get no implicit `arg` table: it is Lua 5.0's, deprecated
// in 5.1 and gone in 5.2, and gopher-lua built one (a table with a string
// key) on every call of a vararg function that does not use `...`, which
// includes every chunk: 16% of a native spawn's CPU.
func init() {
	parse.MaxStackDepth = maxParseStack
	lua.CompatVarArg = false
}

// maxStringBytes caps a string a builtin or `..` may build.
const maxStringBytes = 64 << 20

// stringCap is the cap on strings for an instance whose heap has a soft
// limit: no single string may be larger than half the room the linear
// memory cap leaves above the soft limit (a quarter of the cap, a third of
// the soft limit), so the allocation that crosses the soft limit still fits
// and the soft limit, not a trap, ends the process that made it.
func stringCap(softLimit uint64) int {
	if softLimit == 0 {
		return maxStringBytes
	}
	return int(min(maxStringBytes, softLimit/3/2))
}

// patternDepth bounds the pattern matcher's recursion for an instance whose
// heap has a soft limit: each level is a Go stack frame (up to 512 bytes in
// wasm), and the stack grows by copying, old and new at once, so a deep
// match (`^a*$` over 60,000 characters in a 64 MiB instance) traps the
// instance. A third of the soft limit less 4 MiB, at 512 bytes a level,
// keeps the match to an error of its caller: 1,365 levels in a 16 MiB
// instance (4,096 trapped it, growing the stack to 2 MiB), 25,941 in a
// 64 MiB one, 517,461 in a 1 GiB one. Without a limit (native mode)
// gopher-lua's own 1,000,000 applies.
func patternDepth(softLimit uint64) int {
	if softLimit == 0 {
		return 0
	}
	return int(max(softLimit, 5<<20)-4<<20) / 3 / 512
}

// maxCoroutineDepth caps coroutines resumed inside coroutines: each level is
// a Go call frame chain and a Lua state of its own.
const maxCoroutineDepth = 200

func (in *Instance) capBuiltins() {
	L := in.L
	str := L.GetGlobal("string").(*lua.LTable)
	tbl := L.GetGlobal("table").(*lua.LTable)
	wrap := func(t *lua.LTable, name string, check func(L *lua.LState)) {
		orig := t.RawGetString(name).(*lua.LFunction).GFunction
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			check(L)
			return orig(L)
		}))
	}
	wrap(str, "rep", func(L *lua.LState) {
		s, n := L.CheckString(1), L.CheckInt(2)
		sep := L.OptString(3, "")
		if n > 0 && int64(len(s)+len(sep))*int64(n) > int64(in.maxString) {
			L.RaiseError("string.rep: result of %d bytes exceeds the limit of %d", int64(len(s)+len(sep))*int64(n), in.maxString)
		}
		in.reserve(L, int64(len(s)+len(sep))*int64(max(n, 0)))
	})
	wrap(tbl, "concat", func(L *lua.LState) {
		t := L.CheckTable(1)
		sep := L.OptString(2, "")
		// Bounds as numbers: Go converts 1/0 to an int differently on
		// amd64 and wasm.
		i := float64(L.OptNumber(3, 1))
		j := float64(L.OptNumber(4, lua.LNumber(t.Len())))
		if math.IsNaN(i) || math.IsNaN(j) || math.IsInf(i, 0) || math.IsInf(j, 1) {
			// A range to infinity (or from nowhere) passes a nil.
			L.RaiseError("table.concat: invalid value (at index %d) in table", t.Len()+1)
		}
		total := int64(0)
		for k := int(i); float64(k) <= j; k++ {
			v := t.RawGetInt(k)
			if v.Type() != lua.LTString && v.Type() != lua.LTNumber {
				// As C Lua: gopher-lua took nil for "", and a range to
				// 1/0 held its shard for good.
				L.RaiseError("table.concat: invalid value (at index %d) in table", k)
			}
			total += int64(len(lua.LVAsString(v))) + int64(len(sep))
			if total > int64(in.maxString) {
				L.RaiseError("table.concat: result exceeds the limit of %d bytes", in.maxString)
			}
		}
		in.reserve(L, total)
	})
	wrap(str, "format", func(L *lua.LState) {
		f := L.CheckString(1)
		if err := checkFormat(f); err != "" {
			L.RaiseError("string.format: %s", err)
		}
		n := formatBound(L, f)
		if n > int64(in.maxString) {
			L.RaiseError("string.format: result of up to %d bytes exceeds the limit of %d", n, in.maxString)
		}
		in.reserve(L, n)
		in.debit(n / bytesPerCharge)
	})
	for _, name := range []string{"upper", "lower", "reverse"} { // a buffer, then its string
		wrap(str, name, func(L *lua.LState) { in.reserve(L, 2*int64(len(L.CheckString(1)))) })
	}
	// A builtin's results go on the Lua stack, 16 bytes each, before the
	// caller can do anything with them: string.byte of a megabyte wanted 16
	// MiB at once. C Lua refuses more than 8,000 ("string slice too long");
	// half the stack's bound (registryMax) keeps gopher-lua programs that
	// unpack big tables working, and the work is charged before it is done.
	results := func(name string, n int64) {
		if n > int64(in.maxResults) {
			L.RaiseError("%s: too many results (%d, the limit is %d)", name, n, in.maxResults)
		}
		if n > 0 {
			in.reserve(L, 16*n)
			in.debit(n)
		}
	}
	wrap(str, "byte", func(L *lua.LState) {
		s := L.CheckString(1)
		i, j := int64(L.OptInt(2, 1)), int64(L.OptInt(3, L.OptInt(2, 1)))
		if i < 0 {
			i += int64(len(s)) + 1
		}
		if j < 0 {
			j += int64(len(s)) + 1
		}
		results("string.byte", min(j, int64(len(s)))-max(i, 1)+1)
	})
	wrap(L.G.Global, "unpack", func(L *lua.LState) {
		t := L.CheckTable(1)
		i := int64(L.OptInt(2, 1))
		j := int64(L.OptInt(3, t.Len()))
		results("unpack", j-i+1)
	})
	L.GetGlobal("math").(*lua.LTable).RawSetString("random", L.NewFunction(mathRandom))
	wrap(L.GetGlobal("os").(*lua.LTable), "date", func(L *lua.LState) {
		if L.GetTop() >= 2 {
			if t := L.CheckNumber(2); !(t >= -maxDateSeconds && t <= maxDateSeconds) {
				L.ArgError(2, "time out of range (years -9999 to 9999)")
			}
		}
	})
	// The compiler holds the source, its tokens and its tree at once.
	for _, name := range []string{"loadstring", "load"} {
		if _, isFn := L.G.Global.RawGetString(name).(*lua.LFunction); isFn {
			wrap(L.G.Global, name, func(L *lua.LState) {
				if s, isString := L.Get(1).(lua.LString); isString {
					in.reserve(L, 4*int64(len(s)))
				}
			})
		}
	}
	wrap(str, "char", func(L *lua.LState) {
		in.reserve(L, int64(L.GetTop()))
		in.debit(int64(L.GetTop()))
	})
}

// registryMax bounds a task's value stack (gopher-lua's registry, 16 bytes
// a value), which grows by doubling, old and new at once: 4 MiB at 2^18
// values, and unpack of 100,000 values trapped a 16 MiB instance while
// growing it. A 256th of the soft limit: 24,576 values in a 16 MiB instance,
// 2^18 from 64 MiB up (and without a soft limit).
func registryMax(softLimit uint64) int {
	if softLimit == 0 {
		return 1 << 18
	}
	return int(min(max(softLimit/256, 1<<14), 1<<18))
}

// formatBound is at most how long string.format(f, ...) is: the format's
// own bytes, and for each directive its argument's length (four bytes a
// byte for %q, which may escape each, and for %x, Go's hex of a string), at least its width (two digits at
// most, checkFormat) or a number's 32.
func formatBound(L *lua.LState, f string) int64 {
	n := int64(len(f))
	arg := 2
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			continue
		}
		for i < len(f) && strings.IndexByte("-+ #0123456789.", f[i]) >= 0 {
			i++
		}
		size := int64(32 + 100)
		if s, isString := L.Get(arg).(lua.LString); isString {
			size += int64(len(s))
			if i < len(f) && strings.IndexByte("qxX", f[i]) >= 0 {
				size += 3*int64(len(s)) + 2 // \ddd or hex digits (and spaces)
			}
		}
		n += size
		arg++
	}
	return n
}

// checkFormat refuses directives whose width or precision has more than two
// digits, as C Lua does: Go's fmt would honour a width of a billion.
func checkFormat(f string) string {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && (f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '#' || f[i] == '0') {
			i++
		}
		digits := 0
		for i < len(f) && f[i] >= '0' && f[i] <= '9' {
			i++
			digits++
		}
		if i < len(f) && f[i] == '.' {
			i++
			precision := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
				precision++
			}
			if precision > 2 {
				return fmt.Sprintf("invalid format (precision too long) at byte %d", i)
			}
		}
		if digits > 2 {
			return fmt.Sprintf("invalid format (width too long) at byte %d", i)
		}
	}
	return ""
}

// maxDateSeconds bounds the times os.date takes: 9999-12-31T23:59:59Z, and
// as far before 1970. Go's time wraps a Unix time past 2^63 nanoseconds'
// worth of years and prints years of eleven digits; C Lua fails.
const maxDateSeconds = 253402300799

// mathRandom is Lua 5.1's math.random: gopher-lua's panicked with Go's text
// ("invalid argument to Intn") for an empty interval, and overflowed for a
// wide one.
func mathRandom(L *lua.LState) int {
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(rand.Float64()))
		return 1
	case 1:
		return pushRandom(L, 1, int64(L.CheckNumber(1)))
	case 2:
		return pushRandom(L, int64(L.CheckNumber(1)), int64(L.CheckNumber(2)))
	}
	L.RaiseError("wrong number of arguments to 'random'")
	return 0
}

func pushRandom(L *lua.LState, lo, hi int64) int {
	if lo > hi {
		L.ArgError(L.GetTop(), "interval is empty")
	}
	// math/rand's global source: moonbox_init and math.randomseed seed it.
	span := uint64(hi-lo) + 1
	if span != 0 && span <= math.MaxInt64 {
		L.Push(lua.LNumber(lo + rand.Int63n(int64(span))))
		return 1
	}
	v := rand.Uint64()
	for span != 0 && v >= span { // more than half the int64 range: rejection
		v = rand.Uint64()
	}
	L.Push(lua.LNumber(lo + int64(v)))
	return 1
}
