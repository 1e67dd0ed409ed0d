package abi_test

// Cross-checks against github.com/fxamacker/cbor/v2, the library the edges of
// Moonbox (CLI, HTTP API) decode payloads with.

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"

	"github.com/moonbox-runtime/moonbox/abi"
)

// The Lua view of a decoded value: nil, bool, int64, float64, string (text
// and bytes alike), []any (array), []pair (map, in wire order) or errObj.
type (
	errObj struct {
		Kind, Message string
		Retryable     any // nil, or a bool (the long form)
		Details       any // nil, or a table's view (the long form)
	}
	pair struct{ K, V any }
)

// decodeValue reads one complete value from d into its Lua view. Call it on
// validated input only: it does not bound the nesting.
func decodeValue(d *abi.Decoder) (any, error) {
	it, err := d.Next()
	if err != nil {
		return nil, err
	}
	switch it.Type {
	case abi.TypeNull:
		return nil, nil
	case abi.TypeBool:
		return it.Bool, nil
	case abi.TypeInt:
		return it.Int, nil
	case abi.TypeFloat:
		return it.Float, nil
	case abi.TypeString:
		return string(it.Str), nil
	case abi.TypeArray:
		a := make([]any, it.Len)
		for i := range a {
			if a[i], err = decodeValue(d); err != nil {
				return nil, err
			}
		}
		return a, nil
	case abi.TypeMap:
		m := make([]pair, it.Len)
		for i := range m {
			if m[i].K, err = decodeValue(d); err != nil {
				return nil, err
			}
			if m[i].V, err = decodeValue(d); err != nil {
				return nil, err
			}
		}
		return m, nil
	case abi.TypeTag:
		if it.Int != abi.TagError {
			return nil, fmt.Errorf("tag %d", it.Int)
		}
		v, err := decodeValue(d)
		if err != nil {
			return nil, err
		}
		if e, ok := errObjOf(v); ok {
			return e, nil
		}
		return nil, fmt.Errorf("error object over %#v", v)
	}
	return nil, fmt.Errorf("item type %d", it.Type)
}

// errObjOf reads the view of an error object's content: [kind, message] or
// [kind, message, retryable, details].
func errObjOf(v any) (errObj, bool) {
	a, ok := v.([]any)
	if !ok || (len(a) != 2 && len(a) != 4) {
		return errObj{}, false
	}
	kind, ok1 := a[0].(string)
	msg, ok2 := a[1].(string)
	e := errObj{Kind: kind, Message: msg}
	if len(a) == 4 {
		e.Retryable, e.Details = a[2], a[3]
	}
	return e, ok1 && ok2
}

// fromFx turns a value fxamacker decoded into `any` into its Lua view.
func fromFx(v any) any {
	switch v := v.(type) {
	case nil, bool, int64, float64, string:
		return v
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	case big.Int:
		f, _ := new(big.Float).SetInt(&v).Float64()
		return f
	case []byte:
		return string(v)
	case cbor.ByteString:
		return string(v)
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = fromFx(e)
		}
		return a
	case map[any]any:
		m := make([]pair, 0, len(v))
		for k, e := range v {
			m = append(m, pair{fromFx(k), fromFx(e)})
		}
		return m
	case cbor.Tag:
		if e, ok := errObjOf(fromFx(v.Content)); ok && v.Number == abi.TagError {
			return e
		}
	}
	return fmt.Sprintf("unexpected %T %#v", v, v)
}

// sameValue compares two Lua views. A map compares as a set of pairs, since
// fxamacker's map has no order; with duplicate keys only the key sets are
// compared, since fxamacker keeps one of the values (which is unspecified).
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case float64:
		b, ok := b.(float64)
		return ok && sameFloat(a, b)
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case []pair:
		b, ok := b.([]pair)
		return ok && samePairs(a, b)
	case errObj:
		b, ok := b.(errObj)
		return ok && a.Kind == b.Kind && a.Message == b.Message && a.Retryable == b.Retryable && sameValue(a.Details, b.Details)
	}
	return a == b
}

func samePairs(ours, theirs []pair) bool {
	find := func(m []pair, k any) int {
		for i, p := range m {
			if sameValue(p.K, k) {
				return i
			}
		}
		return -1
	}
	dup := false
	for i, p := range ours {
		if find(ours[:i], p.K) >= 0 {
			dup = true
		}
	}
	if !dup && len(ours) != len(theirs) {
		return false
	}
	for _, p := range ours {
		j := find(theirs, p.K)
		if j < 0 || !dup && !sameValue(p.V, theirs[j].V) {
			return false
		}
	}
	for _, p := range theirs {
		if find(ours, p.K) < 0 {
			return false
		}
	}
	return true
}

// fxamacker's default limits (DecOptions zero value), tighter than ours.
const (
	fxMaxNestedLevels = 32
	fxMaxArrayElems   = 131072
	fxMaxMapPairs     = 131072
)

// fxRefuses tells why fxamacker's cbor.Unmarshal into `any` with default
// options refuses b although Validate accepts it, or "" when it must accept
// it. Each reason is a legitimate difference, not an error of either side:
//
//   - a text string that is not valid UTF-8: fxamacker rejects it
//     (UTF8RejectInvalid); our format reads it as a Lua string, which may hold
//     any bytes. AppendString never writes one; another encoder might.
//   - more than 32 nested arrays and maps: fxamacker's default MaxNestedLevels
//     is 32, ours is MaxDepth (64). An edge that decodes payloads must raise it.
//   - more than 131072 array elements or map pairs: fxamacker's default
//     MaxArrayElements and MaxMapPairs; ours are bounded by MaxPayload only.
//   - a map key that decodes to a Go value that cannot be a map key: an
//     array, a map, an error object (a cbor.Tag holding a slice) or a negative
//     integer below MinInt64 (a big.Int). Lua allows any of these as keys.
//
// b must have passed Validate.
func fxRefuses(b []byte) string {
	d := abi.NewDecoder(b)
	var walk func(depth int, key bool) string
	walk = func(depth int, key bool) string {
		major := b[len(b)-d.Remaining()] >> 5
		it, err := d.Next()
		if err != nil {
			return "Next: " + err.Error() // unreachable for validated input
		}
		switch it.Type {
		case abi.TypeString:
			if major == 3 && !utf8.Valid(it.Str) {
				return "text string with invalid UTF-8"
			}
		case abi.TypeFloat:
			if key && major == 1 {
				return "map key below MinInt64"
			}
		case abi.TypeTag:
			if key {
				return "error object as map key"
			}
			return walk(depth, false) // fxamacker counts the tag's array, not the tag
		case abi.TypeArray, abi.TypeMap:
			switch {
			case key:
				return "table as map key"
			case depth+1 > fxMaxNestedLevels:
				return "nested deeper than fxamacker's MaxNestedLevels"
			case it.Type == abi.TypeArray && it.Len > fxMaxArrayElems:
				return "more than fxamacker's MaxArrayElements"
			case it.Type == abi.TypeMap && it.Len > fxMaxMapPairs:
				return "more than fxamacker's MaxMapPairs"
			}
			n := it.Len
			if it.Type == abi.TypeMap {
				n *= 2
			}
			for i := 0; i < n; i++ {
				if r := walk(depth+1, it.Type == abi.TypeMap && i%2 == 0); r != "" {
					return r
				}
			}
		}
		return ""
	}
	return walk(0, false)
}

// TestAppendReadByFxamacker: what the Append* functions write, fxamacker reads
// as the expected Go values.
func TestAppendReadByFxamacker(t *testing.T) {
	negZero := math.Copysign(0, -1)
	tests := []struct {
		name string
		enc  []byte
		want any // as fxamacker decodes into any
	}{
		{"nil", abi.AppendNull(nil), nil},
		{"true", abi.AppendBool(nil, true), true},
		{"false", abi.AppendBool(nil, false), false},
		{"int 0", abi.AppendInt(nil, 0), uint64(0)},
		{"int 24", abi.AppendInt(nil, 24), uint64(24)},
		{"int max", abi.AppendInt(nil, math.MaxInt64), uint64(math.MaxInt64)},
		{"int -1", abi.AppendInt(nil, -1), int64(-1)},
		{"int -25", abi.AppendInt(nil, -25), int64(-25)},
		{"int min", abi.AppendInt(nil, math.MinInt64), int64(math.MinInt64)},
		{"number 3", abi.AppendNumber(nil, 3), uint64(3)},
		{"number -3", abi.AppendNumber(nil, -3), int64(-3)},
		{"number -2^63", abi.AppendNumber(nil, -(1 << 63)), int64(math.MinInt64)},
		{"number 2^63", abi.AppendNumber(nil, 1<<63), float64(1 << 63)},
		{"number 2.5", abi.AppendNumber(nil, 2.5), 2.5},
		{"number -0.0", abi.AppendNumber(nil, negZero), negZero},
		{"number +Inf", abi.AppendNumber(nil, math.Inf(1)), math.Inf(1)},
		{"number -Inf", abi.AppendNumber(nil, math.Inf(-1)), math.Inf(-1)},
		{"number NaN", abi.AppendNumber(nil, math.NaN()), math.NaN()},
		{"text", abi.AppendString(nil, "héllo"), "héllo"},
		{"empty text", abi.AppendString(nil, ""), ""},
		{"bytes", abi.AppendString(nil, "\xff\x00"), []byte{0xff, 0}},
		{"array", abi.AppendString(abi.AppendInt(abi.AppendArray(nil, 2), 1), "a"), []any{uint64(1), "a"}},
		{"map", abi.AppendNull(abi.AppendInt(abi.AppendMap(nil, 1), 1)), map[any]any{uint64(1): nil}},
		{"error", abi.AppendError(nil, "NOT_FOUND", "no such process"),
			cbor.Tag{Number: abi.TagError, Content: []any{"NOT_FOUND", "no such process"}}},
		{"error with a binary message", abi.AppendError(nil, "INVALID", "\xfe"),
			cbor.Tag{Number: abi.TagError, Content: []any{"INVALID", []byte{0xfe}}}},
		{"nested", luaLikeValue(), map[any]any{
			"name": "ping", "count": uint64(3), "ratio": 0.25, "ok": true,
			"tags": []any{"a", "b"},
			"err":  cbor.Tag{Number: abi.TagError, Content: []any{"TIMEOUT", "too slow"}},
			"deep": map[any]any{int64(-1): []any{nil, []byte{0x80}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got any
			if err := cbor.Unmarshal(tt.enc, &got); err != nil {
				t.Fatalf("cbor.Unmarshal(% x): %v", tt.enc, err)
			}
			// Compare in the Lua view (it handles NaN and -0.0), and the
			// exact Go types fxamacker produced.
			if !sameValue(fromFx(got), fromFx(tt.want)) || fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tt.want) {
				t.Errorf("fxamacker read %#v, want %#v", got, tt.want)
			}
		})
	}
}

// luaLikeValue encodes {name="ping", count=3, ratio=0.25, ok=true,
// tags={"a","b"}, err=errors.new(TIMEOUT, "too slow"), deep={[-1]={nil, "\x80"}}}.
func luaLikeValue() []byte {
	b := abi.AppendMap(nil, 7)
	b = abi.AppendString(abi.AppendString(b, "name"), "ping")
	b = abi.AppendNumber(abi.AppendString(b, "count"), 3)
	b = abi.AppendNumber(abi.AppendString(b, "ratio"), 0.25)
	b = abi.AppendBool(abi.AppendString(b, "ok"), true)
	b = abi.AppendArray(abi.AppendString(b, "tags"), 2)
	b = abi.AppendString(abi.AppendString(b, "a"), "b")
	b = abi.AppendError(abi.AppendString(b, "err"), "TIMEOUT", "too slow")
	b = abi.AppendMap(abi.AppendString(b, "deep"), 1)
	b = abi.AppendArray(abi.AppendNumber(b, -1), 2)
	return abi.AppendString(abi.AppendNull(b), "\x80")
}

// TestFxamackerReadByDecoder: what fxamacker writes (with its default options,
// and with shortest floats for the half and single widths), Validate accepts
// and the Decoder reads back as the same values.
func TestFxamackerReadByDecoder(t *testing.T) {
	// fxamacker writes float64 and float32 at their width, but NaN and
	// Inf as half floats by default; full keeps those at their width too.
	half, err := cbor.EncOptions{ShortestFloat: cbor.ShortestFloat16}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	full, err := cbor.EncOptions{NaNConvert: cbor.NaNConvertNone, InfConvert: cbor.InfConvertNone}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	def, err := cbor.EncOptions{}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	bigNeg, _ := new(big.Int).SetString("-18446744073709551616", 10) // -2^64
	bigTie, _ := new(big.Int).SetString("-9223372036854776833", 10)  // -(2^63+1025)
	tests := []struct {
		name  string
		v     any
		mode  cbor.EncMode // nil: the default mode
		want  any          // the Lua view
		first byte         // the first byte fxamacker must write, 0 to skip the check
	}{
		{"nil", nil, nil, nil, 0xf6},
		{"undefined", cbor.SimpleValue(23), nil, nil, 0xf7},
		{"true", true, nil, true, 0xf5},
		{"false", false, nil, false, 0xf4},
		{"int8", int8(-128), nil, int64(-128), 0x38},
		{"int16", int16(1000), nil, int64(1000), 0x19},
		{"int32", int32(-70000), nil, int64(-70000), 0x3a},
		{"int64 max", int64(math.MaxInt64), nil, int64(math.MaxInt64), 0x1b},
		{"int64 min", int64(math.MinInt64), nil, int64(math.MinInt64), 0x3b},
		{"uint8", uint8(255), nil, int64(255), 0x18},
		{"uint64 max", uint64(math.MaxUint64), nil, float64(1 << 64), 0x1b},
		{"big negative", bigNeg, nil, -float64(1 << 64), 0x3b},
		{"big negative, rounding", bigTie, nil, -float64(1<<63 + 2048), 0x3b},
		{"float32", float32(1.5), nil, 1.5, 0xfa},
		{"float32 subnormal", math.Float32frombits(1), nil, float64(math.Float32frombits(1)), 0xfa},
		{"float32 Inf", float32(math.Inf(-1)), full, math.Inf(-1), 0xfa},
		{"float64", 0.1, nil, 0.1, 0xfb},
		{"float64 integral", 2.0, nil, 2.0, 0xfb},
		{"float64 -0", math.Copysign(0, -1), nil, math.Copysign(0, -1), 0xfb},
		{"float64 NaN", math.NaN(), full, math.NaN(), 0xfb},
		{"float64 max", math.MaxFloat64, nil, math.MaxFloat64, 0xfb},
		{"half 1.5", 1.5, half, 1.5, 0xf9},
		{"half 65504", 65504.0, half, 65504.0, 0xf9},
		{"half subnormal", math.Ldexp(1, -24), half, math.Ldexp(1, -24), 0xf9},
		{"half -0", math.Copysign(0, -1), half, math.Copysign(0, -1), 0xf9},
		{"half Inf", math.Inf(1), half, math.Inf(1), 0xf9},
		{"half NaN", math.NaN(), half, math.NaN(), 0xf9},
		{"single from shortest", 100000.0, half, 100000.0, 0xfa},
		{"string", "héllo", nil, "héllo", 0x66},
		{"long string", string(make([]byte, 300)), nil, string(make([]byte, 300)), 0x79},
		{"bytes", []byte{0, 0xff}, nil, "\x00\xff", 0x42},
		{"empty bytes", []byte{}, nil, "", 0x40},
		{"array", []any{1, "a", nil, []any{true}}, nil, []any{int64(1), "a", nil, []any{true}}, 0x84},
		{"empty array", []any{}, nil, []any{}, 0x80},
		{"map", map[string]any{"a": 1, "b": []any{2.5}}, nil,
			[]pair{{"a", int64(1)}, {"b", []any{2.5}}}, 0xa2},
		{"map with int keys", map[int]string{1: "x", -2: "y"}, nil, []pair{{int64(1), "x"}, {int64(-2), "y"}}, 0xa2},
		{"struct as map", struct {
			ID   string `cbor:"id"`
			Host string `cbor:"host"`
		}{"ping", "app:processes"}, nil, []pair{{"id", "ping"}, {"host", "app:processes"}}, 0xa2},
		{"error object", cbor.Tag{Number: abi.TagError, Content: []any{"INVALID", "bad"}}, nil,
			errObj{Kind: "INVALID", Message: "bad"}, 0xd9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode := tt.mode
			if mode == nil {
				mode = def
			}
			b, err := mode.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if tt.first != 0 && b[0] != tt.first {
				t.Fatalf("fxamacker wrote % x, want it to start with %#x", b, tt.first)
			}
			if err := abi.Validate(b); err != nil {
				t.Fatalf("Validate(% x): %v", b, err)
			}
			d := abi.NewDecoder(b)
			got, err := decodeValue(d)
			if err != nil || d.Remaining() != 0 {
				t.Fatalf("decode(% x) = %#v, %d bytes left, %v", b, got, d.Remaining(), err)
			}
			if !sameValue(got, tt.want) {
				t.Errorf("decode(% x) = %#v, want %#v", b, got, tt.want)
			}
		})
	}
}

// TestHalfFloatsAgainstFxamacker reads every half float both ways.
func TestHalfFloatsAgainstFxamacker(t *testing.T) {
	for h := 0; h <= math.MaxUint16; h++ {
		b := []byte{0xf9, byte(h >> 8), byte(h)}
		var want float64
		if err := cbor.Unmarshal(b, &want); err != nil {
			t.Fatalf("cbor.Unmarshal(% x): %v", b, err)
		}
		it, err := abi.NewDecoder(b).Next()
		if err != nil || !sameItem(it, fnum(want)) {
			t.Fatalf("half %#04x = %+v, %v; fxamacker reads %v", h, it, err, want)
		}
	}
}

// TestFxRefuses checks each documented difference is real: Validate accepts,
// fxamacker refuses, and fxRefuses names it.
func TestFxRefuses(t *testing.T) {
	for _, tt := range []struct{ name, hex string }{
		{"invalid UTF-8", "61ff"},
		{"33 nested arrays", "8181818181818181 8181818181818181 8181818181818181 8181818181818181 80"},
		{"array key", "a1 80 f6"},
		{"map key", "a1 a0 f6"},
		{"error object key", "a1 d96979 82 60 60 f6"},
		{"big negative key", "a1 3bffffffffffffffff f6"},
	} {
		b := unhex(t, tt.hex)
		if err := abi.Validate(b); err != nil {
			t.Errorf("%s: Validate: %v", tt.name, err)
		}
		var v any
		if err := cbor.Unmarshal(b, &v); err == nil {
			t.Errorf("%s: fxamacker accepts % x: not a difference", tt.name, b)
		}
		if fxRefuses(b) == "" {
			t.Errorf("%s: fxRefuses does not name it", tt.name)
		}
	}
	for _, b := range [][]byte{luaLikeValue(), nest(31, false, abi.AppendArray(nil, 0)), abi.AppendString(nil, "\xff")} {
		if r := fxRefuses(b); r != "" {
			t.Errorf("fxRefuses(% x) = %q, want \"\"", b, r)
		}
	}
}
