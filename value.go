package moonbox

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/abi"
)

// Value is a Lua value that crossed to Go: an exit value, a reply, a message
// payload, an argument. The zero Value is nil.
type Value struct {
	raw []byte // one value in the ABI's wire format (CBOR); nil is nil
}

// IsNil reports whether the value is Lua's nil.
func (v Value) IsNil() bool { return len(v.raw) == 0 || v.raw[0] == 0xf6 || v.raw[0] == 0xf7 }

// CBOR is the value in the ABI's wire format.
func (v Value) CBOR() []byte {
	if len(v.raw) == 0 {
		return []byte{0xf6}
	}
	return v.raw
}

// Decode stores the value in the Go value dst points to, as encoding/json
// would: tables into maps, slices or structs (fields by their `cbor` or
// `json` tag), numbers into numeric types, strings into strings or byte
// slices, an error object into an *[Error]. Decoding into *any gives
// [Value.Any]'s result.
func (v Value) Decode(dst any) error {
	if p, ok := dst.(*any); ok {
		*p = v.Any()
		return nil
	}
	if err := decMode.Unmarshal(v.CBOR(), dst); err != nil {
		return &Error{Kind: KindInvalid, Message: fmt.Sprintf("cannot decode %s into %T: %v", v.describe(), dst, err)}
	}
	return nil
}

// Any is the value as plain Go values: nil, bool, int64, float64, string,
// []any (a Lua array), map[string]any (any other table; keys that are not
// strings are written as Lua would print them), or *[Error].
func (v Value) Any() any {
	d := abi.NewDecoder(v.CBOR())
	x, err := anyOf(d, 0)
	if err != nil {
		return nil
	}
	return x
}

func anyOf(d *abi.Decoder, depth int) (any, error) {
	if depth > abi.MaxDepth {
		return nil, abi.ErrTooDeep
	}
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
		a := make([]any, 0, min(it.Len, d.Remaining()))
		for range it.Len {
			x, err := anyOf(d, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, x)
		}
		return a, nil
	case abi.TypeMap:
		m := make(map[string]any, min(it.Len, d.Remaining()/2))
		for range it.Len {
			k, err := anyOf(d, depth+1)
			if err != nil {
				return nil, err
			}
			x, err := anyOf(d, depth+1)
			if err != nil {
				return nil, err
			}
			m[keyString(k)] = x
		}
		return m, nil
	case abi.TypeTag:
		o, err := d.ReadError(depth)
		if err != nil {
			return nil, err
		}
		e := &Error{Kind: Kind(o.Kind), Message: o.Message}
		if o.Retry != abi.RetryUnset {
			r := o.Retry == abi.RetryYes
			e.Retryable = &r
		}
		if len(o.Details) > 0 {
			e.Details = Value{raw: append([]byte(nil), o.Details...)}
		}
		return e, nil
	}
	return nil, abi.ErrMalformed
}

func keyString(k any) string {
	switch k := k.(type) {
	case string:
		return k
	case int64:
		return strconv.FormatInt(k, 10)
	case float64:
		return strconv.FormatFloat(k, 'g', -1, 64)
	}
	return fmt.Sprint(k)
}

// MarshalJSON writes [Value.Any] as JSON; an error object is
// {"error": {"kind": ..., "message": ...}}, a float that JSON cannot hold
// (NaN, ±Inf) is null.
func (v Value) MarshalJSON() ([]byte, error) { return json.Marshal(jsonSafe(v.Any())) }

func jsonSafe(x any) any {
	switch x := x.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	case []any:
		for i := range x {
			x[i] = jsonSafe(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsonSafe(x[k])
		}
	case *Error:
		e := map[string]any{"kind": x.Kind, "message": x.Message}
		if x.Retryable != nil {
			e["retryable"] = *x.Retryable
		}
		if !x.Details.IsNil() {
			e["details"] = jsonSafe(x.Details.Any())
		}
		return map[string]any{"error": e}
	}
	return x
}

// String is the value as JSON.
func (v Value) String() string {
	b, err := v.MarshalJSON()
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func (v Value) describe() string {
	s := v.String()
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// MarshalCBOR lets a Value be part of a Go value sent to Lua.
func (v Value) MarshalCBOR() ([]byte, error) { return v.CBOR(), nil }

// UnmarshalCBOR lets a Value be part of a Go value decoded from Lua.
func (v *Value) UnmarshalCBOR(b []byte) error {
	v.raw = append([]byte(nil), b...)
	return nil
}

var (
	encMode, _ = cbor.EncOptions{
		Time:          cbor.TimeRFC3339Nano, // a string: the wire format has no tags but errors
		IndefLength:   cbor.IndefLengthForbidden,
		BigIntConvert: cbor.BigIntConvertReject,
		NilContainers: cbor.NilContainerAsNull,
	}.EncMode()
	decMode, _ = cbor.DecOptions{
		MaxNestedLevels:  abi.MaxDepth + 4,
		MaxArrayElements: abi.MaxPayload,
		MaxMapPairs:      abi.MaxPayload,
	}.DecMode()
)

// encodeValue writes a Go value in the wire format.
func encodeValue(x any) ([]byte, error) {
	switch x := x.(type) {
	case nil:
		return []byte{0xf6}, nil
	case Value:
		return x.CBOR(), nil
	case *Error:
		return x.appendTo(nil)
	case error:
		return abi.AppendError(nil, string(KindOf(x)), x.Error()), nil
	}
	b, err := encMode.Marshal(x)
	if err != nil {
		return nil, &Error{Kind: KindInvalid, Message: fmt.Sprintf("cannot pass a %s to Lua: %v", reflect.TypeOf(x), err)}
	}
	if err := abi.Validate(b); err != nil {
		return nil, &Error{Kind: KindInvalid, Message: fmt.Sprintf("cannot pass a %s to Lua: %v", reflect.TypeOf(x), err)}
	}
	return b, nil
}

// encodeArgs writes Go values as one array: spawn arguments, a payload.
func encodeArgs(xs []any) ([]byte, error) {
	b := abi.AppendArray(nil, len(xs))
	for i, x := range xs {
		v, err := encodeValue(x)
		if err != nil {
			if len(xs) > 1 {
				err.(*Error).Message = fmt.Sprintf("value %d: %s", i+1, err.(*Error).Message)
			}
			return nil, err
		}
		b = append(b, v...)
	}
	if len(b) > abi.MaxPayload {
		return nil, &Error{Kind: KindInvalid, Message: fmt.Sprintf("values of %d bytes are larger than the limit of %d", len(b), abi.MaxPayload)}
	}
	return b, nil
}

// argsOf splits an array (spawn arguments, a payload) into its values.
func argsOf(array []byte) []Value {
	d := abi.NewDecoder(array)
	head, err := d.Next()
	if err != nil || head.Type != abi.TypeArray {
		return nil
	}
	vs := make([]Value, 0, min(head.Len, d.Remaining()))
	for range head.Len {
		start := len(array) - d.Remaining()
		if d.Skip(0) != nil {
			return vs
		}
		vs = append(vs, Value{raw: array[start : len(array)-d.Remaining()]})
	}
	return vs
}

// payloadValue is a message payload as one value: nothing is nil, one value
// is itself, several are an array of them.
func payloadValue(array []byte) Value {
	vs := argsOf(array)
	switch len(vs) {
	case 0:
		return Value{}
	case 1:
		return vs[0]
	}
	return Value{raw: array}
}

// replyOf is a process.call reply (one value, an error object when
// abnormal) as Go's result.
func replyOf(abnormal bool, value []byte) (Value, error) {
	v := Value{raw: value}
	if !abnormal {
		return v, nil
	}
	if e, ok := v.Any().(*Error); ok {
		return Value{}, e
	}
	return Value{}, &Error{Kind: KindUnknown, Message: v.String()}
}

// ValueOf converts a Go value as the API does for arguments and payloads.
func ValueOf(x any) (Value, error) {
	b, err := encodeValue(x)
	if err != nil {
		return Value{}, err
	}
	return Value{raw: b}, nil
}
