package lab

import (
	"encoding/json"
	"math"

	"github.com/moonbox-runtime/moonbox"
	"github.com/moonbox-runtime/moonbox/host"
)

// The Lua side of a workload or a scenario reports what it measured in its
// exit value, a table; these read it (through the public API's Value: the
// same decoding an embedding application gets).

// value is a CBOR exit value as a moonbox.Value.
func value(cbor []byte) moonbox.Value {
	var v moonbox.Value
	v.UnmarshalCBOR(cbor)
	return v
}

// figures is an exit value as a map: a table's fields, {value = v} for
// anything else, empty for nil.
func figures(cbor []byte) map[string]any {
	switch x := value(cbor).Any().(type) {
	case map[string]any:
		return x
	case nil:
		return map[string]any{}
	default:
		return map[string]any{"value": x}
	}
}

// jsonValue is an exit value as encoding/json reads it back: what a row's
// JSON carries (nil for an undecodable value).
func jsonValue(cbor []byte) any {
	if len(cbor) == 0 {
		return nil
	}
	b, err := value(cbor).MarshalJSON()
	var x any
	if err != nil || json.Unmarshal(b, &x) != nil {
		return nil
	}
	return x
}

// num reads a number from a decoded exit value (NaN when there is none).
func num(m map[string]any, key string) float64 {
	switch v := m[key].(type) {
	case float64:
		return v
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	}
	return math.NaN()
}

// count reads a count from a decoded exit value (0 when there is none).
func count(m map[string]any, key string) int64 {
	if v := num(m, key); !math.IsNaN(v) {
		return int64(v)
	}
	return 0
}

// describeExit says how a process ended: KIND: message, or the exit value
// as JSON.
func describeExit(x host.Exit) string {
	if x.Abnormal {
		return x.Kind + ": " + x.Error
	}
	return "returned " + value(x.Value).String()
}
