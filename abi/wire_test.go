package abi_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

func sameItem(a, b abi.Item) bool {
	return a.Type == b.Type && a.Bool == b.Bool && a.Int == b.Int && sameFloat(a.Float, b.Float) &&
		bytes.Equal(a.Str, b.Str) && a.Len == b.Len
}

// items decodes b item by item to its end.
func items(t *testing.T, b []byte) []abi.Item {
	t.Helper()
	var out []abi.Item
	d := abi.NewDecoder(b)
	for d.Remaining() > 0 {
		before := d.Remaining()
		it, err := d.Next()
		if err != nil {
			t.Fatalf("Next at offset %d of % x: %v", len(b)-before, b, err)
		}
		out = append(out, it)
	}
	return out
}

var (
	null   = abi.Item{Type: abi.TypeNull}
	tru    = abi.Item{Type: abi.TypeBool, Bool: true}
	fals   = abi.Item{Type: abi.TypeBool}
	errTag = abi.Item{Type: abi.TypeTag, Int: abi.TagError}
)

func inum(v int64) abi.Item   { return abi.Item{Type: abi.TypeInt, Int: v} }
func fnum(v float64) abi.Item { return abi.Item{Type: abi.TypeFloat, Float: v} }
func str(v string) abi.Item   { return abi.Item{Type: abi.TypeString, Str: []byte(v)} }
func arr(n int) abi.Item      { return abi.Item{Type: abi.TypeArray, Len: n} }
func dict(n int) abi.Item     { return abi.Item{Type: abi.TypeMap, Len: n} }

// TestAppendRoundTrip checks the exact bytes of every Append* function (the
// examples of RFC 8949 Appendix A where there is one) and reads them back.
func TestAppendRoundTrip(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		enc  []byte
		hex  string // "" when the bytes are too long to spell out
		want []abi.Item
	}{
		{"null", abi.AppendNull(nil), "f6", []abi.Item{null}},
		{"true", abi.AppendBool(nil, true), "f5", []abi.Item{tru}},
		{"false", abi.AppendBool(nil, false), "f4", []abi.Item{fals}},

		{"int 0", abi.AppendInt(nil, 0), "00", []abi.Item{inum(0)}},
		{"int 1", abi.AppendInt(nil, 1), "01", []abi.Item{inum(1)}},
		{"int 23", abi.AppendInt(nil, 23), "17", []abi.Item{inum(23)}},
		{"int 24", abi.AppendInt(nil, 24), "1818", []abi.Item{inum(24)}},
		{"int 100", abi.AppendInt(nil, 100), "1864", []abi.Item{inum(100)}},
		{"int 255", abi.AppendInt(nil, 255), "18ff", []abi.Item{inum(255)}},
		{"int 256", abi.AppendInt(nil, 256), "190100", []abi.Item{inum(256)}},
		{"int 1000", abi.AppendInt(nil, 1000), "1903e8", []abi.Item{inum(1000)}},
		{"int 65535", abi.AppendInt(nil, 65535), "19ffff", []abi.Item{inum(65535)}},
		{"int 65536", abi.AppendInt(nil, 65536), "1a00010000", []abi.Item{inum(65536)}},
		{"int 1000000", abi.AppendInt(nil, 1000000), "1a000f4240", []abi.Item{inum(1000000)}},
		{"int 2^32-1", abi.AppendInt(nil, math.MaxUint32), "1affffffff", []abi.Item{inum(math.MaxUint32)}},
		{"int 2^32", abi.AppendInt(nil, 1<<32), "1b0000000100000000", []abi.Item{inum(1 << 32)}},
		{"int 10^12", abi.AppendInt(nil, 1000000000000), "1b000000e8d4a51000", []abi.Item{inum(1000000000000)}},
		{"int max", abi.AppendInt(nil, math.MaxInt64), "1b7fffffffffffffff", []abi.Item{inum(math.MaxInt64)}},
		{"int -1", abi.AppendInt(nil, -1), "20", []abi.Item{inum(-1)}},
		{"int -10", abi.AppendInt(nil, -10), "29", []abi.Item{inum(-10)}},
		{"int -24", abi.AppendInt(nil, -24), "37", []abi.Item{inum(-24)}},
		{"int -25", abi.AppendInt(nil, -25), "3818", []abi.Item{inum(-25)}},
		{"int -100", abi.AppendInt(nil, -100), "3863", []abi.Item{inum(-100)}},
		{"int -256", abi.AppendInt(nil, -256), "38ff", []abi.Item{inum(-256)}},
		{"int -257", abi.AppendInt(nil, -257), "390100", []abi.Item{inum(-257)}},
		{"int -1000", abi.AppendInt(nil, -1000), "3903e7", []abi.Item{inum(-1000)}},
		{"int min", abi.AppendInt(nil, math.MinInt64), "3b7fffffffffffffff", []abi.Item{inum(math.MinInt64)}},

		{"number 1.1", abi.AppendNumber(nil, 1.1), "fb3ff199999999999a", []abi.Item{fnum(1.1)}},
		{"number -4.1", abi.AppendNumber(nil, -4.1), "fbc010666666666666", []abi.Item{fnum(-4.1)}},
		{"number 1e300", abi.AppendNumber(nil, 1e300), "fb7e37e43c8800759c", []abi.Item{fnum(1e300)}},

		{"string empty", abi.AppendString(nil, ""), "60", []abi.Item{str("")}},
		{"string a", abi.AppendString(nil, "a"), "6161", []abi.Item{str("a")}},
		{"string IETF", abi.AppendString(nil, "IETF"), "6449455446", []abi.Item{str("IETF")}},
		{"string quote", abi.AppendString(nil, "\"\\"), "62225c", []abi.Item{str("\"\\")}},
		{"string ü", abi.AppendString(nil, "\u00fc"), "62c3bc", []abi.Item{str("\u00fc")}},
		{"string 水", abi.AppendString(nil, "\u6c34"), "63e6b0b4", []abi.Item{str("\u6c34")}},
		{"string 4-byte rune", abi.AppendString(nil, "\U00010151"), "64f0908591", []abi.Item{str("\U00010151")}},
		{"string NUL and controls", abi.AppendString(nil, "\x00\x01\x7f"), "63 00017f", []abi.Item{str("\x00\x01\x7f")}},
		{"string 23", abi.AppendString(nil, long(23)), "", []abi.Item{str(long(23))}},
		{"string 24", abi.AppendString(nil, long(24)), "", []abi.Item{str(long(24))}},
		{"string 256", abi.AppendString(nil, long(256)), "", []abi.Item{str(long(256))}},
		{"string 65536", abi.AppendString(nil, long(65536)), "", []abi.Item{str(long(65536))}},
		{"bytes ff", abi.AppendString(nil, "\xff"), "41ff", []abi.Item{str("\xff")}},
		{"bytes cut rune", abi.AppendString(nil, "\xc3"), "41c3", []abi.Item{str("\xc3")}},
		{"bytes surrogate", abi.AppendString(nil, "\xed\xa0\x80"), "43eda080", []abi.Item{str("\xed\xa0\x80")}},
		{"bytes above U+10FFFF", abi.AppendString(nil, "\xf4\x90\x80\x80"), "44f4908080", []abi.Item{str("\xf4\x90\x80\x80")}},
		{"bytes overlong", abi.AppendString(nil, "\xc0\xaf"), "42c0af", []abi.Item{str("\xc0\xaf")}},

		{"array empty", abi.AppendArray(nil, 0), "80", []abi.Item{arr(0)}},
		{"array 1 2 3", abi.AppendInt(abi.AppendInt(abi.AppendInt(abi.AppendArray(nil, 3), 1), 2), 3),
			"83010203", []abi.Item{arr(3), inum(1), inum(2), inum(3)}},
		{"array nested", abi.AppendInt(abi.AppendArray(abi.AppendInt(abi.AppendArray(nil, 2), 1), 1), 2),
			"82 01 81 02", []abi.Item{arr(2), inum(1), arr(1), inum(2)}},
		{"map empty", abi.AppendMap(nil, 0), "a0", []abi.Item{dict(0)}},
		{"map 1:2 3:4", abi.AppendInt(abi.AppendInt(abi.AppendInt(abi.AppendInt(abi.AppendMap(nil, 2), 1), 2), 3), 4),
			"a201020304", []abi.Item{dict(2), inum(1), inum(2), inum(3), inum(4)}},
		{"map a:1", abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "a"), 1), "a16161 01",
			[]abi.Item{dict(1), str("a"), inum(1)}},

		{"error", abi.AppendError(nil, "INVALID", "bad"), "d96979 82 67494e56414c4944 63626164",
			[]abi.Item{errTag, arr(2), str("INVALID"), str("bad")}},
		{"error empty", abi.AppendError(nil, "", ""), "d96979 82 60 60", []abi.Item{errTag, arr(2), str(""), str("")}},
		{"error binary message", abi.AppendError(nil, "INTERNAL", "\xff"), "d96979 82 68494e5445524e414c 41ff",
			[]abi.Item{errTag, arr(2), str("INTERNAL"), str("\xff")}},
		{"append to a prefix", abi.AppendNull([]byte{0x01}), "01 f6", []abi.Item{inum(1), null}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.hex != "" {
				if want := unhex(t, tt.hex); !bytes.Equal(tt.enc, want) {
					t.Fatalf("encoded % x, want % x", tt.enc, want)
				}
			}
			got := items(t, tt.enc)
			if len(got) != len(tt.want) {
				t.Fatalf("decoded %d items %+v, want %d %+v", len(got), got, len(tt.want), tt.want)
			}
			for i := range got {
				if !sameItem(got[i], tt.want[i]) {
					t.Errorf("item %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			if tt.name != "append to a prefix" {
				if err := abi.Validate(tt.enc); err != nil {
					t.Errorf("Validate: %v", err)
				}
			}
		})
	}
}

// TestAppendHeads checks the head sizes of long arrays and maps (their items
// are not written, so only the head is read back).
func TestAppendHeads(t *testing.T) {
	tests := []struct {
		isMap bool
		n     int64
		want  string
	}{
		{false, 23, "97"},
		{false, 24, "9818"},
		{false, 256, "990100"},
		{false, 1 << 16, "9a00010000"},
		{false, 1 << 32, "9b0000000100000000"},
		{true, 23, "b7"},
		{true, 24, "b818"},
		{true, 65535, "b9ffff"},
		{true, 1<<32 - 1, "baffffffff"},
	}
	for _, tt := range tests {
		if int64(int(tt.n)) != tt.n {
			continue // int is 32 bits
		}
		var enc []byte
		if tt.isMap {
			enc = abi.AppendMap(nil, int(tt.n))
		} else {
			enc = abi.AppendArray(nil, int(tt.n))
		}
		if want := unhex(t, tt.want); !bytes.Equal(enc, want) {
			t.Errorf("encoded % x, want % x", enc, want)
		}
	}
}

func TestAppendNumber(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		hex  string
		want abi.Item
	}{
		{"zero", 0, "00", inum(0)},
		{"one", 1, "01", inum(1)},
		{"100", 100, "1864", inum(100)},
		{"-1", -1, "20", inum(-1)},
		{"-3", -3, "22", inum(-3)},
		{"-1000", -1000, "3903e7", inum(-1000)},
		{"2^53", 1 << 53, "1b0020000000000000", inum(1 << 53)},
		{"-2^53", -(1 << 53), "3b001fffffffffffff", inum(-(1 << 53))},
		{"1e18", 1e18, "1b0de0b6b3a7640000", inum(1e18)},
		{"largest float below 2^63", math.Nextafter(1<<63, 0), "1b7ffffffffffffc00", inum(1<<63 - 1024)},
		{"-2^63 is MinInt64", -(1 << 63), "3b7fffffffffffffff", inum(math.MinInt64)},
		{"2^63 is a float", 1 << 63, "fb43e0000000000000", fnum(1 << 63)},
		{"below -2^63 is a float", math.Nextafter(-(1 << 63), math.Inf(-1)), "fbc3e0000000000001", fnum(math.Nextafter(-(1 << 63), math.Inf(-1)))},
		{"2^64 is a float", 1 << 64, "fb43f0000000000000", fnum(1 << 64)},
		{"1e300", 1e300, "fb7e37e43c8800759c", fnum(1e300)},
		{"-0.0 stays a float", math.Copysign(0, -1), "fb8000000000000000", fnum(math.Copysign(0, -1))},
		{"0.5", 0.5, "fb3fe0000000000000", fnum(0.5)},
		{"-1.5", -1.5, "fbbff8000000000000", fnum(-1.5)},
		{"smallest subnormal", math.SmallestNonzeroFloat64, "fb0000000000000001", fnum(math.SmallestNonzeroFloat64)},
		{"max float", math.MaxFloat64, "fb7fefffffffffffff", fnum(math.MaxFloat64)},
		{"+Inf", math.Inf(1), "fb7ff0000000000000", fnum(math.Inf(1))},
		{"-Inf", math.Inf(-1), "fbfff0000000000000", fnum(math.Inf(-1))},
		{"NaN", math.NaN(), "fb7ff8000000000001", fnum(math.NaN())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := abi.AppendNumber(nil, tt.v)
			if tt.name == "NaN" {
				// The NaN's payload is the platform's: check it is a float64 NaN.
				if len(enc) != 9 || enc[0] != 0xfb {
					t.Fatalf("encoded % x, want a float64", enc)
				}
			} else if want := unhex(t, tt.hex); !bytes.Equal(enc, want) {
				t.Fatalf("encoded % x, want % x", enc, want)
			}
			got := items(t, enc)
			if len(got) != 1 || !sameItem(got[0], tt.want) {
				t.Errorf("decoded %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDecodeIntegersBeyondInt64(t *testing.T) {
	// Integers outside int64 read as the nearest float64 (rounded once).
	tests := []struct {
		hex  string
		want float64
	}{
		{"1b8000000000000000", 1 << 63},
		{"1bffffffffffffffff", 1 << 64},
		{"3b8000000000000000", -(1 << 63) - 1},         // rounds to -2^63
		{"3b80000000000003ff", -(1 << 63)},             // -(2^63+1024): a tie, to even
		{"3b8000000000000400", -(1<<63 + 2048)},        // -(2^63+1025) is nearer -(2^63+2048)
		{"3b8000000000000bff", -(1<<63 + 4096)},        // -(2^63+3072): a tie, to even
		{"3bfffffffffffffffe", -(1 << 64)},             // -(2^64-1)
		{"3bffffffffffffffff", -(1 << 64)},             // -2^64, where n+1 overflows uint64
		{"3b7fffffffffffffff", float64(math.MinInt64)}, // still an integer: checked below
	}
	for _, tt := range tests {
		it, err := abi.NewDecoder(unhex(t, tt.hex)).Next()
		if err != nil {
			t.Fatalf("%s: %v", tt.hex, err)
		}
		if tt.hex == "3b7fffffffffffffff" {
			if !sameItem(it, inum(math.MinInt64)) {
				t.Errorf("%s = %+v, want int %d", tt.hex, it, int64(math.MinInt64))
			}
			continue
		}
		if !sameItem(it, fnum(tt.want)) {
			t.Errorf("%s = %+v, want float %v", tt.hex, it, tt.want)
		}
	}
}

func TestHalfFloat(t *testing.T) {
	tests := []struct {
		bits uint16
		want float64
	}{
		{0x0000, 0},
		{0x8000, math.Copysign(0, -1)},
		{0x3c00, 1},
		{0x3c01, 1 + 1.0/1024},
		{0xc000, -2},
		{0x3555, 0.333251953125},
		{0x3bff, 0.99951171875},
		{0x7bff, 65504},              // largest half
		{0xfbff, -65504},             // most negative half
		{0x0400, math.Ldexp(1, -14)}, // smallest normal
		{0x0001, math.Ldexp(1, -24)}, // smallest subnormal
		{0x0002, math.Ldexp(1, -23)},
		{0x0200, math.Ldexp(1, -15)},
		{0x03ff, math.Ldexp(1023, -24)}, // largest subnormal
		{0x8001, -math.Ldexp(1, -24)},
		{0x83ff, -math.Ldexp(1023, -24)},
		{0x7c00, math.Inf(1)},
		{0xfc00, math.Inf(-1)},
		{0x7e00, math.NaN()},
		{0x7c01, math.NaN()}, // signalling NaN
		{0xfe00, math.NaN()},
		{0x7fff, math.NaN()},
	}
	for _, tt := range tests {
		b := []byte{0xf9, byte(tt.bits >> 8), byte(tt.bits)}
		if err := abi.Validate(b); err != nil {
			t.Errorf("Validate(% x): %v", b, err)
		}
		it, err := abi.NewDecoder(b).Next()
		if err != nil || !sameItem(it, fnum(tt.want)) {
			t.Errorf("half %#04x = %+v, %v; want %v", tt.bits, it, err, tt.want)
		}
	}
}

func TestSingleFloat(t *testing.T) {
	tests := []struct {
		hex  string
		want float64
	}{
		{"fa47c35000", 100000},
		{"fa7f7fffff", 3.4028234663852886e+38},
		{"fa00000001", math.Ldexp(1, -149)},
		{"fa80000000", math.Copysign(0, -1)},
		{"fa7f800000", math.Inf(1)},
		{"faff800000", math.Inf(-1)},
		{"fa7fc00000", math.NaN()},
		{"fa3f8ccccd", float64(float32(1.1))},
	}
	for _, tt := range tests {
		b := unhex(t, tt.hex)
		if err := abi.Validate(b); err != nil {
			t.Errorf("Validate(%s): %v", tt.hex, err)
		}
		it, err := abi.NewDecoder(b).Next()
		if err != nil || !sameItem(it, fnum(tt.want)) {
			t.Errorf("%s = %+v, %v; want %v", tt.hex, it, err, tt.want)
		}
	}
}

// nest wraps inner in n tables: arrays, or maps when asMap (inner as a value).
func nest(n int, asMap bool, inner []byte) []byte {
	var b []byte
	for i := 0; i < n; i++ {
		if asMap {
			b = abi.AppendInt(abi.AppendMap(b, 1), int64(i))
		} else {
			b = abi.AppendArray(b, 1)
		}
	}
	return append(b, inner...)
}

// withDetails is an error object with details: it counts as one table
// around them.
func withDetails(details []byte) []byte {
	return abi.AppendErrorObject(nil, abi.ErrorObject{Kind: "INVALID", Message: "deep", Details: details})
}

func TestErrorObject(t *testing.T) {
	details := abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "id"), 7)
	tests := []struct {
		name string
		e    abi.ErrorObject
		hex  string
	}{
		{"short form when nothing is set", abi.ErrorObject{Kind: "INVALID", Message: "bad"}, "d96979 82 67494e56414c4944 63626164"},
		{"retryable", abi.ErrorObject{Kind: "", Message: "", Retry: abi.RetryYes}, "d96979 84 60 60 f5 f6"},
		{"not retryable", abi.ErrorObject{Kind: "", Message: "", Retry: abi.RetryNo}, "d96979 84 60 60 f4 f6"},
		{"details", abi.ErrorObject{Kind: "", Message: "", Details: details}, "d96979 84 60 60 f6 a1 626964 07"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := abi.AppendErrorObject(nil, tt.e)
			if got := hex.EncodeToString(b); got != strings.ReplaceAll(tt.hex, " ", "") {
				t.Errorf("AppendErrorObject = %s, want %s", got, tt.hex)
			}
			d := abi.NewDecoder(b)
			if it, err := d.Next(); err != nil || it.Type != abi.TypeTag {
				t.Fatalf("Next = %+v, %v; want the tag", it, err)
			}
			got, err := d.ReadError(0)
			if err != nil {
				t.Fatalf("ReadError: %v", err)
			}
			if got.Kind != tt.e.Kind || got.Message != tt.e.Message || got.Retry != tt.e.Retry || !bytes.Equal(got.Details, tt.e.Details) {
				t.Errorf("ReadError = %+v, want %+v", got, tt.e)
			}
			if d.Remaining() != 0 {
				t.Errorf("%d bytes left after ReadError", d.Remaining())
			}
		})
	}
}

func TestDepth(t *testing.T) {
	leaf := abi.AppendInt(nil, 1)
	emptyArray := abi.AppendArray(nil, 0)
	emptyMap := abi.AppendMap(nil, 0)
	errObj := abi.AppendError(nil, "INVALID", "deep")
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"scalar", leaf, nil},
		{"error object", errObj, nil},
		{"MaxDepth arrays around a leaf", nest(abi.MaxDepth-1, false, abi.AppendInt(abi.AppendArray(nil, 1), 1)), nil},
		{"MaxDepth arrays, innermost empty", nest(abi.MaxDepth-1, false, emptyArray), nil},
		{"MaxDepth maps, innermost empty", nest(abi.MaxDepth-1, true, emptyMap), nil},
		{"MaxDepth maps around a leaf", nest(abi.MaxDepth, true, nil)[:0], nil}, // replaced below
		{"error object in MaxDepth tables", nest(abi.MaxDepth, false, errObj), nil},
		{"error object in MaxDepth maps", nest(abi.MaxDepth, true, errObj), nil},
		{"details in an error object in MaxDepth-2 tables", nest(abi.MaxDepth-2, false, withDetails(emptyMap)), nil},
		{"details in an error object in MaxDepth-1 tables", nest(abi.MaxDepth-1, false, withDetails(emptyMap)), abi.ErrTooDeep},
		{"MaxDepth tables in an error object's details", withDetails(nest(abi.MaxDepth-2, false, emptyArray)), nil},
		{"MaxDepth+1 tables in an error object's details", withDetails(nest(abi.MaxDepth-1, false, emptyArray)), abi.ErrTooDeep},
		{"MaxDepth+1 arrays around a leaf", nest(abi.MaxDepth+1, false, leaf), abi.ErrTooDeep},
		{"MaxDepth+1 arrays, innermost empty", nest(abi.MaxDepth, false, emptyArray), abi.ErrTooDeep},
		{"MaxDepth+1 maps, innermost empty", nest(abi.MaxDepth, true, emptyMap), abi.ErrTooDeep},
		{"MaxDepth+1 tables, mixed", nest(abi.MaxDepth/2, true, nest(abi.MaxDepth/2, false, emptyMap)), abi.ErrTooDeep},
		{"table as key of the innermost map", nest(abi.MaxDepth-1, true, abi.AppendNull(abi.AppendArray(abi.AppendMap(nil, 1), 0))), abi.ErrTooDeep},
		{"10000 arrays", nest(10000, false, leaf), abi.ErrTooDeep},
		{"10000 maps", nest(10000, true, leaf), abi.ErrTooDeep},
	}
	tests[5].b = nest(abi.MaxDepth, true, leaf)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := abi.Validate(tt.b); !errors.Is(err, tt.want) {
				t.Errorf("Validate = %v, want %v", err, tt.want)
			}
			if err := abi.NewDecoder(tt.b).Skip(0); !errors.Is(err, tt.want) {
				t.Errorf("Skip(0) = %v, want %v", err, tt.want)
			}
		})
	}
	// Skip's depth counts the tables around the item: a table at MaxDepth is
	// one too many, a scalar there is fine.
	if err := abi.NewDecoder(emptyArray).Skip(abi.MaxDepth); !errors.Is(err, abi.ErrTooDeep) {
		t.Errorf("Skip(MaxDepth) of a table = %v, want ErrTooDeep", err)
	}
	if err := abi.NewDecoder(emptyArray).Skip(abi.MaxDepth - 1); err != nil {
		t.Errorf("Skip(MaxDepth-1) of a table = %v, want nil", err)
	}
	if err := abi.NewDecoder(leaf).Skip(abi.MaxDepth); err != nil {
		t.Errorf("Skip(MaxDepth) of a scalar = %v, want nil", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		hex  string
		want error
	}{
		{"undefined reads as nil", "f7", nil},
		{"non-shortest int head", "1800", nil},
		{"non-shortest string head", "7a00000001 61", nil},
		{"half float", "f93c00", nil},
		{"single float", "fa3f800000", nil},
		{"integer beyond int64", "1bffffffffffffffff", nil},
		{"negative integer beyond int64", "3bffffffffffffffff", nil},
		{"map with table keys", "a1 80 f6", nil},
		{"map with duplicate keys", "a2 01 f5 01 f4", nil},
		{"text with invalid UTF-8 (a Lua string)", "61ff", nil},
		{"error object with byte strings", "d96979 82 41ff 40", nil},
		{"error object, non-shortest tag head", "da00006979 82 60 60", nil},
		{"long error object, nothing set", "d96979 84 60 60 f6 f6", nil},
		{"long error object, retryable", "d96979 84 60 60 f5 f6", nil},
		{"long error object, details map", "d96979 84 60 60 f4 a1 6161 01", nil},
		{"long error object, details array", "d96979 84 60 60 f6 81 01", nil},

		{"empty input", "", abi.ErrMalformed},
		{"trailing byte", "01 01", abi.ErrMalformed},
		{"trailing null", "80 f6", abi.ErrMalformed},
		{"two values", "6161 6162", abi.ErrMalformed},

		{"indefinite array", "9f 01 ff", abi.ErrMalformed},
		{"indefinite map", "bf 01 02 ff", abi.ErrMalformed},
		{"indefinite bytes", "5f 41 00 ff", abi.ErrMalformed},
		{"indefinite text", "7f 61 61 ff", abi.ErrMalformed},
		{"indefinite int", "1f", abi.ErrMalformed},
		{"lone break", "ff", abi.ErrMalformed},
		{"break inside an array", "82 01 ff", abi.ErrMalformed},

		{"reserved 28 int", "1c", abi.ErrMalformed},
		{"reserved 29 int", "1d", abi.ErrMalformed},
		{"reserved 30 int", "1e", abi.ErrMalformed},
		{"reserved 28 negative", "3c", abi.ErrMalformed},
		{"reserved 29 bytes", "5d", abi.ErrMalformed},
		{"reserved 30 text", "7e", abi.ErrMalformed},
		{"reserved 28 array", "9c", abi.ErrMalformed},
		{"reserved 29 map", "bd", abi.ErrMalformed},
		{"reserved 30 tag", "de", abi.ErrMalformed},
		{"reserved 28 simple", "fc", abi.ErrMalformed},
		{"reserved 29 simple", "fd", abi.ErrMalformed},
		{"reserved 30 simple", "fe", abi.ErrMalformed},

		{"array longer than the input", "82 01", abi.ErrMalformed},
		{"array of 2^32-1", "9affffffff 00", abi.ErrMalformed},
		{"array of 2^64-1", "9bffffffffffffffff 00", abi.ErrMalformed},
		{"map longer than the input", "a2 01 02 03", abi.ErrMalformed},
		{"map with a key and no value", "a1 01", abi.ErrMalformed},
		{"map of 2^64-1", "bbffffffffffffffff 00 00", abi.ErrMalformed},
		{"text longer than the input", "65 6162", abi.ErrMalformed},
		{"bytes of 2^32-1", "5affffffff 00", abi.ErrMalformed},
		{"text of 2^64-1", "7bffffffffffffffff 00", abi.ErrMalformed},
		{"bytes of 2^63", "5b8000000000000000 00", abi.ErrMalformed},
		{"nested lie", "81 81 83 01 02", abi.ErrMalformed},

		{"truncated 1-byte head", "18", abi.ErrMalformed},
		{"truncated 2-byte head", "19 01", abi.ErrMalformed},
		{"truncated 4-byte head", "1a 01 02 03", abi.ErrMalformed},
		{"truncated 8-byte head", "1b 01 02 03 04 05 06 07", abi.ErrMalformed},
		{"truncated half", "f9 3c", abi.ErrMalformed},
		{"truncated single", "fa 3f 80 00", abi.ErrMalformed},
		{"truncated double", "fb 3f f0 00 00 00 00 00", abi.ErrMalformed},

		{"simple 0", "e0", abi.ErrMalformed},
		{"simple 19", "f3", abi.ErrMalformed},
		{"simple 20 in two bytes", "f814", abi.ErrMalformed},
		{"simple 32", "f820", abi.ErrMalformed},
		{"simple 255", "f8ff", abi.ErrMalformed},

		{"tag 0", "c0 74 323031332d30332d32315432303a30343a30305a", abi.ErrMalformed},
		{"tag 1", "c1 1a514b67b0", abi.ErrMalformed},
		{"tag 2 over an int", "c2 01", abi.ErrMalformed},
		{"tag 2 bignum", "c2 49 010000000000000000", abi.ErrMalformed},
		{"tag 55799", "d9d9f7 01", abi.ErrMalformed},
		{"tag TagError+2^63", "db8000000000006979 82 60 60", abi.ErrMalformed},
		{"tag TagError-1", "d96978 82 60 60", abi.ErrMalformed},
		{"tag TagError+1", "d9697a 82 60 60", abi.ErrMalformed},
		{"error object over a string", "d96979 60", abi.ErrMalformed},
		{"error object over a map", "d96979 a1 60 60", abi.ErrMalformed},
		{"error object of one string", "d96979 81 60", abi.ErrMalformed},
		{"error object of three strings", "d96979 83 60 60 60", abi.ErrMalformed},
		{"error object of three items", "d96979 83 60 60 f5", abi.ErrMalformed},
		{"error object of five items", "d96979 85 60 60 f5 f6 f6", abi.ErrMalformed},
		{"long error object, retryable a string", "d96979 84 60 60 60 f6", abi.ErrMalformed},
		{"long error object, retryable an int", "d96979 84 60 60 01 f6", abi.ErrMalformed},
		{"long error object, details a string", "d96979 84 60 60 f6 60", abi.ErrMalformed},
		{"long error object, details an int", "d96979 84 60 60 f6 01", abi.ErrMalformed},
		{"long error object, details an error", "d96979 84 60 60 f6 d96979 82 60 60", abi.ErrMalformed},
		{"long error object, details cut short", "d96979 84 60 60 f6 a1 60", abi.ErrMalformed},
		{"long error object, no details", "d96979 84 60 60 f6", abi.ErrMalformed},
		{"error object with an int kind", "d96979 82 01 60", abi.ErrMalformed},
		{"error object with a nil message", "d96979 82 60 f6", abi.ErrMalformed},
		{"error object in an error object", "d96979 82 60 d96979 82 60 60", abi.ErrMalformed},
		{"truncated error object", "d96979 82 60", abi.ErrMalformed},
		{"tag with nothing after it", "d96979", abi.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.hex)
			if err := abi.Validate(b); !errors.Is(err, tt.want) {
				t.Errorf("Validate(% x) = %v, want %v", b, err, tt.want)
			}
		})
	}
}

func TestDecoderStopsAtTheEnd(t *testing.T) {
	d := abi.NewDecoder(abi.AppendBool(nil, true))
	if _, err := d.Next(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if it, err := d.Next(); !errors.Is(err, abi.ErrMalformed) || it.Type != 0 {
			t.Errorf("Next past the end = %+v, %v; want zero Item, ErrMalformed", it, err)
		}
		if err := d.Skip(0); !errors.Is(err, abi.ErrMalformed) {
			t.Errorf("Skip past the end = %v, want ErrMalformed", err)
		}
	}
	if d.Remaining() != 0 {
		t.Errorf("Remaining() = %d, want 0", d.Remaining())
	}
}

func TestDecoderStringAliasesInput(t *testing.T) {
	b := abi.AppendString(nil, "hello")
	it, err := abi.NewDecoder(b).Next()
	if err != nil {
		t.Fatal(err)
	}
	b[1] = 'j'
	if string(it.Str) != "jello" {
		t.Errorf("Str = %q: want it to alias the input (documented)", it.Str)
	}
}
