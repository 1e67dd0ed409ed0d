package lua

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/pm"
)

const emptyLString LString = LString("")

func OpenString(L *LState) int {
	var mod *LTable
	//_, ok := L.G.builtinMts[int(LTString)]
	//if !ok {
	mod = L.RegisterModule(StringLibName, strFuncs).(*LTable)
	gmatch := L.NewClosure(strGmatch, L.NewFunction(strGmatchIter))
	mod.RawSetString("gmatch", gmatch)
	mod.RawSetString("gfind", gmatch)
	mod.RawSetString("__index", mod)
	L.G.builtinMts[int(LTString)] = mod
	//}
	L.Push(mod)
	return 1
}

var strFuncs = map[string]LGFunction{
	"byte":    strByte,
	"char":    strChar,
	"dump":    strDump,
	"find":    strFind,
	"format":  strFormat,
	"gsub":    strGsub,
	"len":     strLen,
	"lower":   strLower,
	"match":   strMatch,
	"rep":     strRep,
	"reverse": strReverse,
	"sub":     strSub,
	"upper":   strUpper,
}

func strByte(L *LState) int {
	str := L.CheckString(1)
	start := L.OptInt(2, 1) - 1
	end := L.OptInt(3, -1)
	l := len(str)
	if start < 0 {
		start = l + start + 1
	}
	if end < 0 {
		end = l + end + 1
	}

	if L.GetTop() == 2 {
		if start < 0 || start >= l {
			return 0
		}
		L.Push(LNumber(str[start]))
		return 1
	}

	start = intMax(start, 0)
	end = intMin(end, l)
	if end < 0 || end <= start || start >= l {
		return 0
	}

	for i := start; i < end; i++ {
		L.Push(LNumber(str[i]))
	}
	return end - start
}

func strChar(L *LState) int {
	top := L.GetTop()
	bytes := make([]byte, L.GetTop())
	for i := 1; i <= top; i++ {
		bytes[i-1] = uint8(L.CheckInt(i))
	}
	L.Push(LString(string(bytes)))
	return 1
}

func strDump(L *LState) int {
	L.RaiseError("GopherLua does not support the string.dump")
	return 0
}

func strFind(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	if len(pattern) == 0 {
		L.Push(LNumber(1))
		L.Push(LNumber(0))
		return 2
	}
	init := luaIndex2StringIndex(str, L.OptInt(3, 1), true)
	plain := false
	if L.GetTop() == 4 {
		plain = LVAsBool(L.Get(4))
	}

	if plain {
		pos := strings.Index(str[init:], pattern)
		if pos < 0 {
			L.Push(LNil)
			return 1
		}
		L.Push(LNumber(init+pos) + 1)
		L.Push(LNumber(init + pos + len(pattern)))
		return 2
	}

	mds, err := pm.FindMetered(pattern, unsafeFastStringToReadOnlyBytes(str), init, 1, L.patternMeter(), L.Options.MaxPatternDepth)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(mds) == 0 {
		L.Push(LNil)
		return 1
	}
	md := mds[0]
	L.Push(LNumber(md.Capture(0) + 1))
	L.Push(LNumber(md.Capture(1)))
	for i := 2; i < md.CaptureLength(); i += 2 {
		if md.IsPosCapture(i) {
			L.Push(LNumber(md.Capture(i)))
		} else {
			L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
		}
	}
	return md.CaptureLength()/2 + 1
}

func strFormat(L *LState) int {
	str := L.CheckString(1)
	args := make([]interface{}, L.GetTop()-1)
	top := L.GetTop()
	for i := 2; i <= top; i++ {
		args[i-2] = L.Get(i)
	}
	npat := strings.Count(str, "%") - strings.Count(str, "%%")
	L.Push(LString(fmt.Sprintf(str, args[:intMin(npat, len(args))]...)))
	return 1
}

// strGsub builds its result in one buffer as it matches (moonbox patch:
// upstream collected every match first and then copied the whole buffer
// once per match, quadratic in time and holding a MatchData per match; a
// gsub over 100 KB trapped a 16 MiB sandbox). Each match is charged for the
// bytes it adds, and the result is refused past Options.MaxConcatBytes,
// the cap of `..`, before it is allocated.
func strGsub(L *LState) int {
	str := L.CheckString(1)
	pat := L.CheckString(2)
	L.CheckTypes(3, LTString, LTTable, LTFunction)
	repl := L.CheckAny(3)
	limit := L.OptInt(4, -1)

	compiled, err := pm.Compile(pat)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	var out []byte
	last, n := 0, 0
	add := func(piece string) {
		maxBytes := L.Options.MaxConcatBytes
		need := len(out) + len(piece)
		if maxBytes > 0 && need > maxBytes {
			L.RaiseError("string.gsub: result exceeds the limit of %d bytes", maxBytes)
		}
		L.Charge(int64(len(piece)/ConcatByteCost) + 1)
		if need > cap(out) {
			grown := max(need, 2*cap(out), 64)
			if maxBytes > 0 {
				grown = min(grown, maxBytes)
			}
			if L.Options.Reserve != nil {
				L.Options.Reserve(L, grown)
			}
			out = append(make([]byte, 0, grown), out...)
		}
		out = append(out, piece...)
	}
	err = compiled.Each(unsafeFastStringToReadOnlyBytes(str), 0, limit, L.patternMeter(), L.Options.MaxPatternDepth, func(match *pm.MatchData) bool {
		start, end := match.Capture(0), match.Capture(1)
		add(str[last:start])
		switch lv := repl.(type) {
		case LString:
			gsubExpand(L, str, string(lv), match, add)
		case *LTable:
			add(gsubValue(str, match, L.GetTable(lv, gsubKey(str, match))))
		case *LFunction:
			add(gsubValue(str, match, gsubCall(L, str, lv, match)))
		}
		last = end
		n++
		return true
	})
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if n == 0 {
		L.SetTop(1)
		L.Push(LNumber(0))
		return 2
	}
	add(str[last:])
	L.Push(LString(unsafe.String(unsafe.SliceData(out), len(out)))) // out is not written again
	L.Push(LNumber(n))
	return 2
}

func checkCaptureIndex(L *LState, m *pm.MatchData, idx int) {
	if idx <= 2 {
		return
	}
	if idx >= m.CaptureLength() {
		L.RaiseError("invalid capture index")
	}
}

func capturedString(L *LState, m *pm.MatchData, str string, idx int) string {
	checkCaptureIndex(L, m, idx)
	if idx >= m.CaptureLength() && idx == 2 {
		idx = 0
	}
	if m.IsPosCapture(idx) {
		return fmt.Sprint(m.Capture(idx))
	} else {
		return str[m.Capture(idx):m.Capture(idx+1)]
	}

}

// gsubExpand adds repl with %0-%9 replaced by the match's captures; "%%"
// is "%", and "%" before any other character stays as it is.
func gsubExpand(L *LState, str, repl string, match *pm.MatchData, add func(string)) {
	plain := 0
	for i := 0; i < len(repl); i++ {
		if repl[i] != '%' || i == len(repl)-1 {
			continue
		}
		add(repl[plain:i])
		c := repl[i+1]
		switch {
		case c == '%':
			add("%")
		case c >= '0' && c <= '9':
			add(capturedString(L, match, str, 2*int(c-'0')))
		default:
			add(repl[i : i+2])
		}
		i++
		plain = i + 1
	}
	add(repl[plain:])
}

// gsubKey is the table key or function argument of a match: its first
// capture, or the whole match.
func gsubKey(str string, match *pm.MatchData) LValue {
	idx := 0
	if match.CaptureLength() > 2 { // has captures
		idx = 2
	}
	if match.IsPosCapture(idx) {
		return LNumber(match.Capture(idx))
	}
	return LString(str[match.Capture(idx):match.Capture(idx+1)])
}

// gsubValue is what replaces a match given a table's or a function's
// value: false or nil keeps the match.
func gsubValue(str string, match *pm.MatchData, value LValue) string {
	if LVIsFalse(value) {
		return str[match.Capture(0):match.Capture(1)]
	}
	return LVAsString(value)
}

func gsubCall(L *LState, str string, repl *LFunction, match *pm.MatchData) LValue {
	L.Push(repl)
	nargs := 0
	if match.CaptureLength() > 2 { // has captures
		for i := 2; i < match.CaptureLength(); i += 2 {
			if match.IsPosCapture(i) {
				L.Push(LNumber(match.Capture(i)))
			} else {
				L.Push(LString(capturedString(L, match, str, i)))
			}
			nargs++
		}
	} else {
		L.Push(LString(capturedString(L, match, str, 0)))
		nargs++
	}
	L.Call(nargs, 1)
	return L.reg.Pop()
}

// strMatchData is a gmatch iterator's state: it finds the next match when
// called (moonbox patch: upstream found every match when gmatch was called
// and kept a MatchData per match).
type strMatchData struct {
	str     string
	pattern *pm.Pattern
	pos     int // where the next match is looked for; past the end when done
}

func strGmatchIter(L *LState) int {
	md := L.CheckUserData(1).Value.(*strMatchData)
	str := md.str
	var match *pm.MatchData
	if md.pos <= len(str) {
		err := md.pattern.Each(unsafeFastStringToReadOnlyBytes(str), md.pos, 1, L.patternMeter(), L.Options.MaxPatternDepth, func(m *pm.MatchData) bool {
			match = m
			return false
		})
		if err != nil {
			L.RaiseError("%s", err.Error())
		}
	}
	if match == nil || md.pattern.Anchored() {
		md.pos = len(str) + 1
	}
	if match == nil {
		return 0
	}
	if match.Capture(1) > match.Capture(0) {
		md.pos = max(md.pos, match.Capture(1))
	} else {
		md.pos = max(md.pos, match.Capture(0)+1)
	}
	if match.CaptureLength() == 2 {
		L.Push(LString(str[match.Capture(0):match.Capture(1)]))
		return 1
	}

	for i := 2; i < match.CaptureLength(); i += 2 {
		if match.IsPosCapture(i) {
			L.Push(LNumber(match.Capture(i)))
		} else {
			L.Push(LString(str[match.Capture(i):match.Capture(i+1)]))
		}
	}
	return match.CaptureLength()/2 - 1
}

func strGmatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	compiled, err := pm.Compile(pattern)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	L.Push(L.Get(UpvalueIndex(1)))
	ud := L.NewUserData()
	ud.Value = &strMatchData{str, compiled, 0}
	L.Push(ud)
	return 2
}

func strLen(L *LState) int {
	str := L.CheckString(1)
	L.Push(LNumber(len(str)))
	return 1
}

func strLower(L *LState) int {
	str := L.CheckString(1)
	L.Push(LString(strings.ToLower(str)))
	return 1
}

func strMatch(L *LState) int {
	str := L.CheckString(1)
	pattern := L.CheckString(2)
	offset := L.OptInt(3, 1)
	l := len(str)
	if offset < 0 {
		offset = l + offset + 1
	}
	offset--
	if offset < 0 {
		offset = 0
	}

	mds, err := pm.FindMetered(pattern, unsafeFastStringToReadOnlyBytes(str), offset, 1, L.patternMeter(), L.Options.MaxPatternDepth)
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	if len(mds) == 0 {
		L.Push(LNil)
		return 0
	}
	md := mds[0]
	nsubs := md.CaptureLength() / 2
	switch nsubs {
	case 1:
		L.Push(LString(str[md.Capture(0):md.Capture(1)]))
		return 1
	default:
		for i := 2; i < md.CaptureLength(); i += 2 {
			if md.IsPosCapture(i) {
				L.Push(LNumber(md.Capture(i)))
			} else {
				L.Push(LString(str[md.Capture(i):md.Capture(i+1)]))
			}
		}
		return nsubs - 1
	}
}

func strRep(L *LState) int {
	str := L.CheckString(1)
	n := L.CheckInt(2)
	if n < 0 {
		L.Push(emptyLString)
	} else {
		L.Push(LString(strings.Repeat(str, n)))
	}
	return 1
}

func strReverse(L *LState) int {
	str := L.CheckString(1)
	bts := []byte(str)
	out := make([]byte, len(bts))
	for i, j := 0, len(bts)-1; j >= 0; i, j = i+1, j-1 {
		out[i] = bts[j]
	}
	L.Push(LString(string(out)))
	return 1
}

func strSub(L *LState) int {
	str := L.CheckString(1)
	start := luaIndex2StringIndex(str, L.CheckInt(2), true)
	end := luaIndex2StringIndex(str, L.OptInt(3, -1), false)
	l := len(str)
	if start >= l || end < start {
		L.Push(emptyLString)
	} else {
		L.Push(LString(str[start:end]))
	}
	return 1
}

func strUpper(L *LState) int {
	str := L.CheckString(1)
	L.Push(LString(strings.ToUpper(str)))
	return 1
}

func luaIndex2StringIndex(str string, i int, start bool) int {
	if start && i != 0 {
		i -= 1
	}
	l := len(str)
	if i < 0 {
		i = l + i + 1
	}
	i = intMax(0, i)
	if !start && i > l {
		i = l
	}
	return i
}

//
