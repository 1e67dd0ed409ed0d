package vm

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// encoder turns Lua values into the wire format (abi/wire.go). It refuses what
// cannot cross a process boundary (functions, coroutines, channels, cycles)
// instead of dropping it: the sender gets INVALID and nothing is sent.
type encoder struct {
	buf   []byte
	depth int
	seen  map[*lua.LTable]bool
}

func (e *encoder) value(v lua.LValue) *Error {
	switch v := v.(type) {
	case *lua.LNilType:
		e.buf = abi.AppendNull(e.buf)
	case lua.LBool:
		e.buf = abi.AppendBool(e.buf, bool(v))
	case lua.LNumber:
		e.buf = abi.AppendNumber(e.buf, float64(v))
	case lua.LString:
		e.buf = abi.AppendString(e.buf, string(v))
	case *lua.LTable:
		return e.table(v)
	case *lua.LUserData:
		if err, ok := v.Value.(*Error); ok {
			// Its details nest below it: inside tables they may reach too deep.
			if len(err.Details) > 0 && abi.NewDecoder(err.Details).Skip(e.depth+1) != nil {
				return abi.Errorf(abi.Invalid, "error object details nested deeper than %d levels", abi.MaxDepth)
			}
			e.buf = appendError(e.buf, err)
			return nil
		}
		return abi.Errorf(abi.Invalid, "cannot send a %s value", typeName(v))
	default:
		return abi.Errorf(abi.Invalid, "cannot send a %s value", v.Type().String())
	}
	return nil
}

func (e *encoder) table(t *lua.LTable) *Error {
	if e.depth >= abi.MaxDepth {
		return abi.Errorf(abi.Invalid, "table nested deeper than %d levels", abi.MaxDepth)
	}
	if e.seen == nil {
		e.seen = map[*lua.LTable]bool{}
	}
	if e.seen[t] {
		return abi.Errorf(abi.Invalid, "cannot send a table that contains itself")
	}
	e.seen[t] = true
	e.depth++
	defer func() { e.depth--; delete(e.seen, t) }()

	n := t.Len()
	pairs := 0
	t.ForEach(func(lua.LValue, lua.LValue) { pairs++ })
	if pairs == n && denseTo(t, n) { // exactly the keys 1..n: an array
		e.buf = abi.AppendArray(e.buf, n)
		for i := 1; i <= n; i++ {
			if err := e.value(t.RawGetInt(i)); err != nil {
				return err
			}
		}
		return nil
	}
	// A map. Keys are sorted so equal tables encode to equal bytes.
	keys := make([]lua.LValue, 0, pairs)
	t.ForEach(func(k, _ lua.LValue) { keys = append(keys, k) })
	sort.Slice(keys, func(i, j int) bool { return keyLess(keys[i], keys[j]) })
	e.buf = abi.AppendMap(e.buf, len(keys))
	for _, k := range keys {
		switch k.(type) {
		case lua.LString, lua.LNumber, lua.LBool:
		default:
			return abi.Errorf(abi.Invalid, "cannot send a table with a %s key", typeName(k))
		}
		if err := e.value(k); err != nil {
			return err
		}
		if err := e.value(t.RawGet(k)); err != nil {
			return err
		}
	}
	return nil
}

// denseTo reports whether t[1..n] are all non-nil.
func denseTo(t *lua.LTable, n int) bool {
	for i := 1; i <= n; i++ {
		if t.RawGetInt(i) == lua.LNil {
			return false
		}
	}
	return true
}

func keyLess(a, b lua.LValue) bool {
	if a.Type() != b.Type() {
		return a.Type() < b.Type()
	}
	switch a := a.(type) {
	case lua.LNumber:
		return a < b.(lua.LNumber)
	case lua.LString:
		return a < b.(lua.LString)
	case lua.LBool:
		return !bool(a) && bool(b.(lua.LBool))
	}
	return false
}

func typeName(v lua.LValue) string {
	if ud, ok := v.(*lua.LUserData); ok {
		switch ud.Value.(type) {
		case *channel:
			return "channel"
		case *message:
			return "message"
		case *Error:
			return "error"
		case actor:
			return "actor"
		case scope:
			return "scope"
		}
		return "userdata"
	}
	return v.Type().String()
}

// encodeArgs encodes the arguments from n to the top of L's stack as one
// CBOR array, read in place: a message's payload on the send path.
func encodeArgs(L *lua.LState, n int) ([]byte, *Error) {
	top := L.GetTop()
	// Room for a few scalars: one allocation for most payloads.
	e := encoder{buf: make([]byte, 0, 32)}
	e.buf = abi.AppendArray(e.buf, max(0, top-n+1))
	for i := n; i <= top; i++ {
		if err := e.value(L.Get(i)); err != nil {
			return nil, err
		}
	}
	return e.buf, nil
}

// encodeValue encodes v as one CBOR value.
func encodeValue(v lua.LValue) ([]byte, *Error) {
	var e encoder
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// decoder turns wire-format bytes back into fresh Lua values: the receiver
// never shares memory with the sender.
type decoder struct {
	L    *lua.LState
	d    abi.Decoder // by value: a decoder per message must not cost an allocation
	room int64       // bytes of Lua values it may still build; see newDecoder
}

// Decoded sizes: what a value costs the receiver's heap, about (gopher-lua
// on wasm32 and amd64 alike, rounded up).
const (
	decodedTable  = 96 // an LTable
	decodedSlot   = 16 // an array slot (an interface)
	decodedEntry  = 48 // a hash entry: key, value, its place in the key order
	decodedString = 16 // a string's header, besides its bytes
)

// newDecoder decodes b into L's heap. A payload is at most 1 MiB, but the
// values it describes can be a hundred times that (a table per byte: `{}`
// is one byte of CBOR and ~100 bytes of Lua), built in one step that the
// memory guard only sees afterwards: unbounded, one message trapped a
// 16 MiB instance. Decoding is refused past twice the instance's string cap
// (4 MiB in a 16 MiB instance, 128 MiB at most), before the value that
// would cross it is built.
func newDecoder(L *lua.LState, b []byte) decoder {
	room := 2 * int64(L.Options.MaxConcatBytes)
	if room <= 0 {
		room = math.MaxInt64
	}
	return decoder{L: L, d: *abi.NewDecoder(b), room: room}
}

var errDecodedTooLarge = errors.New("abi: the message's values are too large for this instance's memory")

// take reserves n bytes of the decoding budget.
func (d *decoder) take(n int64) error {
	if d.room -= n; d.room < 0 {
		return errDecodedTooLarge
	}
	return nil
}

func (d *decoder) value(depth int) (lua.LValue, error) {
	if depth > abi.MaxDepth {
		return nil, abi.ErrTooDeep
	}
	it, err := d.d.Next()
	if err != nil {
		return nil, err
	}
	switch it.Type {
	case abi.TypeNull:
		return lua.LNil, nil
	case abi.TypeBool:
		return lua.LBool(it.Bool), nil
	case abi.TypeInt:
		return lua.LNumber(it.Int), nil
	case abi.TypeFloat:
		return lua.LNumber(it.Float), nil
	case abi.TypeString:
		if err := d.take(decodedString + int64(len(it.Str))); err != nil {
			return nil, err
		}
		return lua.LString(it.Str), nil
	case abi.TypeArray:
		if err := d.take(decodedTable + decodedSlot*int64(it.Len)); err != nil {
			return nil, err
		}
		t := d.L.CreateTable(it.Len, 0)
		for i := 1; i <= it.Len; i++ {
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			t.RawSetInt(i, v)
		}
		return t, nil
	case abi.TypeMap:
		if err := d.take(decodedTable + decodedEntry*int64(it.Len)); err != nil {
			return nil, err
		}
		t := d.L.CreateTable(0, it.Len)
		for i := 0; i < it.Len; i++ {
			k, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if k == lua.LNil || (k.Type() == lua.LTNumber && math.IsNaN(float64(k.(lua.LNumber)))) {
				return nil, fmt.Errorf("abi: invalid table key")
			}
			t.RawSet(k, v)
		}
		return t, nil
	case abi.TypeTag:
		if it.Int != abi.TagError {
			return nil, fmt.Errorf("abi: unknown tag %d", it.Int)
		}
		return d.errorObject(depth)
	}
	return nil, abi.ErrMalformed
}

// errorObject reads an error object after its tag. Its details stay in the
// wire format until err:details() asks for them.
func (d *decoder) errorObject(depth int) (lua.LValue, error) {
	// This decoder counts a payload's own array as a level and accepts a
	// table one level deeper than abi.Decoder.Skip does: depth-1 is the
	// error object's depth as Skip (and the encoder) count it.
	o, err := d.d.ReadError(depth - 1)
	if err != nil {
		return nil, err
	}
	return newErrorValue(d.L, abi.ErrorOf(o)), nil
}

// decodeValues decodes a CBOR array into a list of values.
func decodeValues(L *lua.LState, b []byte) ([]lua.LValue, error) {
	var vs []lua.LValue
	err := decodeEach(L, b, func(n int) { vs = make([]lua.LValue, 0, n) }, func(v lua.LValue) { vs = append(vs, v) })
	return vs, err
}

// decodePush decodes a CBOR array onto L's stack and returns how many values
// it pushed: a message's payload, without a slice in between.
func decodePush(L *lua.LState, b []byte) (int, error) {
	n := 0
	err := decodeEach(L, b, func(int) {}, func(v lua.LValue) { L.Push(v); n++ })
	return n, err
}

// decodeEach decodes a CBOR array: start gets its length, then each gets its
// elements in order.
func decodeEach(L *lua.LState, b []byte, start func(int), each func(lua.LValue)) error {
	if len(b) == 0 {
		return nil
	}
	d := newDecoder(L, b)
	it, err := d.d.Next()
	if err != nil {
		return err
	}
	if it.Type != abi.TypeArray {
		return abi.ErrMalformed
	}
	start(int(it.Len))
	for range it.Len {
		v, err := d.value(1)
		if err != nil {
			return err
		}
		each(v)
	}
	return nil
}

// decodeValue decodes one CBOR value.
func decodeValue(L *lua.LState, b []byte) (lua.LValue, error) {
	if len(b) == 0 {
		return lua.LNil, nil
	}
	d := newDecoder(L, b)
	return d.value(0)
}
