package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/abi"
)

// exitJSON renders a CBOR exit value as one line of JSON: tables with keys
// 1..n are arrays, other tables objects (keys as strings), error objects
// {"error": message, "kind": kind} (with "retryable" and "details" when
// set), non-UTF-8 strings base64.
func exitJSON(value []byte) (string, error) {
	var v any
	if err := cbor.Unmarshal(value, &v); err != nil {
		return "", err
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a terminal, not a web page
	if err := enc.Encode(toJSON(v)); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

func toJSON(v any) any {
	switch v := v.(type) {
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return base64.StdEncoding.EncodeToString(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Sprint(v)
		}
		return v
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toJSON(x)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(v)) // encoding/json sorts the keys
		for k, x := range v {
			out[fmt.Sprint(toJSON(k))] = toJSON(x)
		}
		return out
	case cbor.Tag:
		if v.Number == abi.TagError {
			if arr, ok := v.Content.([]any); ok && (len(arr) == 2 || len(arr) == 4) {
				e := map[string]any{"kind": toJSON(arr[0]), "error": toJSON(arr[1])}
				if len(arr) == 4 { // retryable and details, when set
					if arr[2] != nil {
						e["retryable"] = arr[2]
					}
					if arr[3] != nil {
						e["details"] = toJSON(arr[3])
					}
				}
				return e
			}
		}
		return toJSON(v.Content)
	}
	return v
}
