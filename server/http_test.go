package server

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodeJSON(t *testing.T) {
	v, err := decodeJSON([]byte(`{"n": 3, "f": 1.5, "big": 12345678901234567890, "list": [1, "a", null, true], "e": 1e3}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"n": int64(3), "f": 1.5, "big": 12345678901234567890.0, "list": []any{int64(1), "a", nil, true}, "e": 1000.0}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("got %#v\nwant %#v", v, want)
	}
	for _, bad := range []string{`{`, `{} {}`, `[1,]`, `nul`, `1e400`, `[-1e999]`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzIngressJSON: the ingress's body decoding never panics, and what it
// accepts is JSON again (integers as int64, other numbers as float64).
func FuzzIngressJSON(f *testing.F) {
	for _, s := range []string{`{"items":[{"price":2.5,"qty":2}]}`, `1`, `-0`, `1e400`, `[[[[[]]]]]`, `"\u0000"`, `{"a":{"a":{}}}`, `9223372036854775808`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decodeJSON(data)
		if err != nil {
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%q decoded to %#v, which does not encode: %v", data, v, err)
		}
		var check func(any)
		check = func(x any) {
			switch x := x.(type) {
			case nil, bool, string, int64, float64:
			case []any:
				for _, e := range x {
					check(e)
				}
			case map[string]any:
				for _, e := range x {
					check(e)
				}
			default:
				t.Fatalf("%q: a %T in the payload", data, x)
			}
		}
		check(v)
	})
}
