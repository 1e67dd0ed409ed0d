package moonbox

import (
	"encoding/json"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

// FuzzValue feeds the Go side of the API what a Lua process can send: any
// value of the wire format (the host has validated it) and, for safety, any
// bytes at all. Nothing may panic; a valid value must convert to JSON.
func FuzzValue(f *testing.F) {
	for _, seed := range [][]byte{
		{0xf6}, {0xf5}, {0x18, 0x2a}, {0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}, // nil, true, 42, NaN
		abi.AppendString(nil, "héllo"),
		abi.AppendError(nil, "NOT_FOUND", "no such thing"),
		append(abi.AppendMap(nil, 2), append(abi.AppendString(abi.AppendInt(nil, 1), "a"), abi.AppendArray(abi.AppendString(nil, "k"), 0)...)...),
		append(abi.AppendArray(nil, 2), append(abi.AppendInt(nil, -1), abi.AppendNumber(nil, 1.5)...)...),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := Value{raw: b}
		_ = v.Any()
		_ = v.String()
		var x struct {
			A string  `json:"a"`
			B []int   `json:"b"`
			C *Error  `json:"c"`
			D []Value `json:"d"`
			E map[string]any
		}
		_ = v.Decode(&x)
		_ = argsOf(b)
		if abi.Validate(b) != nil {
			return
		}
		out, err := v.MarshalJSON()
		if err != nil {
			t.Fatalf("a valid value does not convert to JSON: %v (% x)", err, b)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
	})
}
