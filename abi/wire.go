package abi

import (
	"encoding/binary"
	"errors"
	"math"
	"unicode/utf8"
)

// The wire format of Lua values is CBOR (RFC 8949), restricted to what Lua
// values need so that any CBOR library can read it and this small codec can be
// audited:
//
//	nil            null (simple 22); undefined (23) reads as nil
//	false, true    simple 20, 21
//	integer        major 0/1 (a number with an integral value in int64 range)
//	other number   float64 (major 7, 27); half and single floats are read too
//	string         text (major 3) when valid UTF-8, else bytes (major 2); both read as a Lua string
//	table          array (major 4) when its keys are exactly 1..n, else map (major 5)
//	error object   tag [TagError] over an array [kind text, message text], or
//	               [kind, message, retryable (bool or null), details (table or null)]
//
// Definite lengths only. A payload of several values (message payloads,
// spawn arguments) is one array. Nesting deeper than [MaxDepth] is refused.

// TagError is the CBOR tag of a Moonbox error object: tag(TagError, [kind,
// message]), or tag(TagError, [kind, message, retryable, details]) when its
// retryable flag or its details are set (see [ErrorObject]).
const TagError = 27001

// Retry is an error object's retryable flag: unset (nil in Lua: the error
// does not say), no or yes.
type Retry uint8

const (
	RetryUnset Retry = iota
	RetryNo
	RetryYes
)

// ErrorObject is an error object of the wire format: what Lua's error objects
// (err:kind(), err:message(), err:retryable(), err:details()) carry across
// a process boundary.
type ErrorObject struct {
	Kind    string
	Message string
	Retry   Retry
	// Details is one wire value, a table (array or map), or nil for none. It
	// nests one level below the error object: a table inside it counts
	// towards MaxDepth as if the error object were a table.
	Details []byte
}

// Type is the type of a decoded item.
type Type uint8

const (
	TypeNull Type = iota + 1
	TypeBool
	TypeInt
	TypeFloat
	TypeString
	TypeArray
	TypeMap
	TypeTag
)

// ErrMalformed is returned for input that is not a value of the wire format.
var ErrMalformed = errors.New("abi: malformed value")

// ErrTooDeep is returned for values nested deeper than MaxDepth.
var ErrTooDeep = errors.New("abi: value nested too deeply")

func appendHead(b []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(b, m|byte(n))
	case n <= math.MaxUint8:
		return append(b, m|24, byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, m|25), uint16(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, m|26), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, m|27), n)
}

// AppendNull appends nil.
func AppendNull(b []byte) []byte { return append(b, 0xf6) }

// AppendBool appends a boolean.
func AppendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xf5)
	}
	return append(b, 0xf4)
}

// AppendInt appends an integer.
func AppendInt(b []byte, v int64) []byte {
	if v >= 0 {
		return appendHead(b, 0, uint64(v))
	}
	return appendHead(b, 1, uint64(-(v + 1)))
}

// AppendNumber appends a Lua number: an integer when its value is integral and
// fits int64 (so integers stay integers across the wire), else a float64.
func AppendNumber(b []byte, v float64) []byte {
	if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 && !(v == 0 && math.Signbit(v)) {
		return AppendInt(b, int64(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xfb), math.Float64bits(v))
}

// AppendString appends a Lua string: text if valid UTF-8, bytes otherwise.
func AppendString(b []byte, s string) []byte {
	if utf8.ValidString(s) {
		b = appendHead(b, 3, uint64(len(s)))
	} else {
		b = appendHead(b, 2, uint64(len(s)))
	}
	return append(b, s...)
}

// AppendArray appends the head of an array of n items; the items follow.
func AppendArray(b []byte, n int) []byte { return appendHead(b, 4, uint64(n)) }

// AppendMap appends the head of a map of n pairs; keys and values follow.
func AppendMap(b []byte, n int) []byte { return appendHead(b, 5, uint64(n)) }

// AppendError appends an error object with a kind and a message only.
func AppendError(b []byte, kind, message string) []byte {
	return AppendErrorObject(b, ErrorObject{Kind: kind, Message: message})
}

// AppendErrorObject appends an error object: the two-item form when neither
// its retryable flag nor its details are set (what every version of the wire
// format reads), else the four-item form. e.Details must be one well-formed
// value (a table) or nil.
func AppendErrorObject(b []byte, e ErrorObject) []byte {
	b = appendHead(b, 6, TagError)
	long := e.Retry != RetryUnset || len(e.Details) > 0
	if !long {
		b = AppendArray(b, 2)
	} else {
		b = AppendArray(b, 4)
	}
	b = AppendString(b, e.Kind)
	b = AppendString(b, e.Message)
	if !long {
		return b
	}
	switch e.Retry {
	case RetryNo:
		b = AppendBool(b, false)
	case RetryYes:
		b = AppendBool(b, true)
	default:
		b = AppendNull(b)
	}
	if len(e.Details) == 0 {
		return AppendNull(b)
	}
	return append(b, e.Details...)
}

// Item is one decoded item. Arrays and maps are heads: Len items (or pairs)
// follow in the stream. A tag is a head too: one item follows.
type Item struct {
	Type  Type
	Bool  bool
	Int   int64   // TypeInt; the tag number for TypeTag
	Float float64 // TypeFloat
	Str   []byte  // TypeString, aliasing the input
	Len   int     // TypeArray, TypeMap
}

// Decoder reads items from a byte slice. It never panics and never allocates
// in proportion to a length it has not seen the bytes for.
type Decoder struct {
	b   []byte
	off int
}

// NewDecoder returns a decoder over b.
func NewDecoder(b []byte) *Decoder { return &Decoder{b: b} }

// Remaining is the number of unread bytes.
func (d *Decoder) Remaining() int { return len(d.b) - d.off }

func (d *Decoder) head() (major byte, info byte, n uint64, err error) {
	if d.off >= len(d.b) {
		return 0, 0, 0, ErrMalformed
	}
	c := d.b[d.off]
	d.off++
	major, info = c>>5, c&31
	var size int
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info == 24:
		size = 1
	case info == 25:
		size = 2
	case info == 26:
		size = 4
	case info == 27:
		size = 8
	default: // 28-30 reserved, 31 indefinite length: not in the wire format
		return 0, 0, 0, ErrMalformed
	}
	if len(d.b)-d.off < size {
		return 0, 0, 0, ErrMalformed
	}
	p := d.b[d.off : d.off+size]
	d.off += size
	switch size {
	case 1:
		n = uint64(p[0])
	case 2:
		n = uint64(binary.BigEndian.Uint16(p))
	case 4:
		n = uint64(binary.BigEndian.Uint32(p))
	default:
		n = binary.BigEndian.Uint64(p)
	}
	return major, info, n, nil
}

// Next decodes the next item. A tag other than [TagError] is [ErrMalformed].
func (d *Decoder) Next() (Item, error) {
	major, info, n, err := d.head()
	if err != nil {
		return Item{}, err
	}
	switch major {
	case 0:
		if n > math.MaxInt64 {
			return Item{Type: TypeFloat, Float: float64(n)}, nil
		}
		return Item{Type: TypeInt, Int: int64(n)}, nil
	case 1:
		if n > math.MaxInt64 {
			if n == math.MaxUint64 { // -1-n = -2^64; n+1 would overflow
				return Item{Type: TypeFloat, Float: -0x1p64}, nil
			}
			// Round -1-n once: -1 - float64(n) would round twice.
			return Item{Type: TypeFloat, Float: -float64(n + 1)}, nil
		}
		return Item{Type: TypeInt, Int: -1 - int64(n)}, nil
	case 2, 3:
		if n > uint64(len(d.b)-d.off) {
			return Item{}, ErrMalformed
		}
		s := d.b[d.off : d.off+int(n)]
		d.off += int(n)
		return Item{Type: TypeString, Str: s}, nil
	case 4, 5:
		// Every item takes at least one byte: a count beyond the input is a lie.
		per := uint64(1)
		if major == 5 {
			per = 2
		}
		if n > uint64(len(d.b)-d.off)/per {
			return Item{}, ErrMalformed
		}
		t := TypeArray
		if major == 5 {
			t = TypeMap
		}
		return Item{Type: t, Len: int(n)}, nil
	case 6:
		if n != TagError { // the one tag of the wire format
			return Item{}, ErrMalformed
		}
		return Item{Type: TypeTag, Int: TagError}, nil
	}
	// major 7: simple values and floats
	switch info {
	case 20, 21:
		return Item{Type: TypeBool, Bool: info == 21}, nil
	case 22, 23:
		return Item{Type: TypeNull}, nil
	case 25:
		return Item{Type: TypeFloat, Float: halfToFloat(uint16(n))}, nil
	case 26:
		return Item{Type: TypeFloat, Float: float64(math.Float32frombits(uint32(n)))}, nil
	case 27:
		return Item{Type: TypeFloat, Float: math.Float64frombits(n)}, nil
	}
	return Item{}, ErrMalformed
}

func halfToFloat(h uint16) float64 {
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	var v float64
	switch exp {
	case 0:
		v = math.Ldexp(mant, -24)
	case 31:
		if mant == 0 {
			v = math.Inf(1)
		} else {
			v = math.NaN()
		}
	default:
		v = math.Ldexp(mant+1024, exp-25)
	}
	if h&0x8000 != 0 {
		return -v
	}
	return v
}

// Skip reads past one complete item (with everything nested in it). depth is
// the number of tables (arrays and maps) around the item: a table at depth
// MaxDepth or deeper is [ErrTooDeep]. An error object must hold what
// [Decoder.ReadError] reads; its details table counts as nested in it.
func (d *Decoder) Skip(depth int) error {
	it, err := d.Next()
	if err != nil {
		return err
	}
	switch it.Type {
	case TypeArray, TypeMap:
		if depth >= MaxDepth {
			return ErrTooDeep
		}
		n := it.Len
		if it.Type == TypeMap {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := d.Skip(depth + 1); err != nil {
				return err
			}
		}
	case TypeTag:
		_, err := d.ReadError(depth)
		return err
	}
	return nil
}

// ReadError reads the content of an error object, after Next returned its
// tag: an array of kind and message (strings), and in the long form
// retryable (a boolean or null) and details (a table or null). depth is the
// number of tables around the error object; its details nest one deeper.
// The result's Details alias the input.
func (d *Decoder) ReadError(depth int) (ErrorObject, error) {
	var e ErrorObject
	it, err := d.Next()
	if err != nil {
		return e, err
	}
	if it.Type != TypeArray || (it.Len != 2 && it.Len != 4) {
		return e, ErrMalformed
	}
	long := it.Len == 4
	for i := 0; i < 2; i++ {
		s, err := d.Next()
		if err != nil {
			return e, err
		}
		if s.Type != TypeString {
			return e, ErrMalformed
		}
		if i == 0 {
			e.Kind = string(s.Str)
		} else {
			e.Message = string(s.Str)
		}
	}
	if !long {
		return e, nil
	}
	r, err := d.Next()
	switch {
	case err != nil:
		return e, err
	case r.Type == TypeBool && r.Bool:
		e.Retry = RetryYes
	case r.Type == TypeBool:
		e.Retry = RetryNo
	case r.Type != TypeNull:
		return e, ErrMalformed
	}
	start := d.off
	if start < len(d.b) && d.b[start] == 0xf6 { // null: no details
		d.off++
		return e, nil
	}
	if start >= len(d.b) || (d.b[start]>>5 != 4 && d.b[start]>>5 != 5) {
		return e, ErrMalformed // details are a table
	}
	if err := d.Skip(depth + 1); err != nil {
		return e, err
	}
	e.Details = d.b[start:d.off]
	return e, nil
}

// Validate checks that b is exactly one well-formed value of the wire format.
func Validate(b []byte) error {
	d := NewDecoder(b)
	if err := d.Skip(0); err != nil {
		return err
	}
	if d.Remaining() != 0 {
		return ErrMalformed
	}
	return nil
}
