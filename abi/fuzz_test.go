package abi_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/fxamacker/cbor/v2"

	"github.com/moonbox-runtime/moonbox/abi"
)

// validateSeeds are real values: what a guest sends (payload arrays, spawn
// requests, exit values, error objects), what fxamacker writes, and near
// misses the format refuses.
func validateSeeds(f *testing.F) {
	payload := abi.AppendArray(nil, 3)
	payload = abi.AppendString(payload, "ping")
	payload = abi.AppendNumber(payload, 42)
	payload = abi.AppendError(payload, "NOT_FOUND", "no such process")

	req := abi.AppendMap(nil, 6)
	req = abi.AppendString(abi.AppendString(req, abi.SpawnID), "app.workers:handler")
	req = abi.AppendString(abi.AppendString(req, abi.SpawnHost), "app:processes")
	req = abi.AppendArray(abi.AppendString(req, abi.SpawnArgs), 1)
	req = abi.AppendNumber(req, 1.5)
	req = abi.AppendBool(abi.AppendString(req, abi.SpawnMonitor), true)
	req = abi.AppendMap(abi.AppendString(req, abi.SpawnContext), 1)
	req = abi.AppendString(abi.AppendString(req, "trace"), "\xff\xfe")
	req = abi.AppendArray(abi.AppendString(req, abi.SpawnMessages), 1)
	req = abi.AppendArray(abi.AppendArray(abi.AppendString(abi.AppendArray(req, 2), "hello"), 1), 0)

	fx, _ := cbor.Marshal(map[string]any{"a": []any{1, -2, 1.5, "x", []byte{1}, nil, true}})
	for _, b := range [][]byte{
		payload,
		req,
		luaLikeValue(),
		fx,
		abi.AppendNull(nil),
		abi.AppendNumber(nil, -0.5),
		abi.AppendInt(nil, -1<<63),
		abi.AppendString(nil, "\xff"),
		abi.AppendError(nil, "INVALID", "bad"),
		nest(abi.MaxDepth, false, abi.AppendInt(nil, 1)),
		nest(40, true, abi.AppendError(nil, "", "")),
		abi.AppendErrorObject(nil, abi.ErrorObject{Kind: "UNAVAILABLE", Message: "busy", Retry: abi.RetryYes,
			Details: abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "after"), 5)}),
		{0xf9, 0x7c, 0x00},                   // half Inf
		{0xf9, 0x00, 0x01},                   // half subnormal
		{0xfa, 0x7f, 0xc0, 0x00, 0x00},       // single NaN
		{0x3b, 0x80, 0, 0, 0, 0, 0, 0x04, 0}, // below MinInt64
		{0x61, 0xff},                         // text with invalid UTF-8
		{0xa1, 0x80, 0xf6},                   // table as a key
		{0x9f, 0x01, 0xff},                   // indefinite
		{0xc2, 0x41, 0x00},                   // bignum tag
		{0xd9, 0x69, 0x79, 0x81, 0x60},       // error object of one string
		{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
		{0x1c},
		{},
	} {
		f.Add(b)
	}
}

// FuzzValidate: Validate and a full Decoder walk never panic, and whatever
// Validate accepts, fxamacker's cbor.Unmarshal into `any` with default options
// accepts too and reads as the same value, except for the differences fxRefuses
// lists (invalid UTF-8 in text strings, fxamacker's tighter default limits, map
// keys Go cannot hold).
func FuzzValidate(f *testing.F) {
	validateSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		verr := abi.Validate(b)
		if verr != nil && !errors.Is(verr, abi.ErrMalformed) && !errors.Is(verr, abi.ErrTooDeep) {
			t.Fatalf("Validate returned an unknown error %v", verr)
		}

		// Walk item by item: every item takes a byte, no head promises more
		// than the input holds.
		d := abi.NewDecoder(b)
		walkErr := error(nil)
		for d.Remaining() > 0 {
			before := d.Remaining()
			it, err := d.Next()
			if err != nil {
				walkErr = err
				break
			}
			if d.Remaining() >= before {
				t.Fatalf("Next made no progress")
			}
			switch it.Type {
			case abi.TypeString:
				if len(it.Str) > before {
					t.Fatalf("string of %d bytes from %d bytes", len(it.Str), before)
				}
			case abi.TypeArray, abi.TypeMap:
				if it.Len < 0 || it.Len > d.Remaining() {
					t.Fatalf("%d items promised with %d bytes left", it.Len, d.Remaining())
				}
			case abi.TypeTag:
				if it.Int != abi.TagError {
					t.Fatalf("tag %d read", it.Int)
				}
			}
		}
		skipErr := abi.NewDecoder(b).Skip(0)

		if verr != nil {
			return
		}
		if walkErr != nil || skipErr != nil {
			t.Fatalf("Validate accepts % x, but walking gives %v and Skip %v", b, walkErr, skipErr)
		}
		d = abi.NewDecoder(b)
		ours, err := decodeValue(d)
		if err != nil || d.Remaining() != 0 {
			t.Fatalf("Validate accepts % x, but decoding gives %v, %d bytes left", b, err, d.Remaining())
		}
		var theirs any
		if reason := fxRefuses(b); reason != "" {
			// Excluded, and only where fxamacker does refuse.
			if err := cbor.Unmarshal(b, &theirs); err == nil {
				t.Fatalf("% x excluded (%s), but fxamacker accepts it", b, reason)
			}
			return
		}
		if err := cbor.Unmarshal(b, &theirs); err != nil {
			t.Fatalf("Validate accepts % x, fxamacker refuses it: %v", b, err)
		}
		if !sameValue(ours, fromFx(theirs)) {
			t.Fatalf("% x: we read %#v, fxamacker %#v", b, ours, theirs)
		}
	})
}

// FuzzRecords: NextRecord and reading fields in any order never panic, a
// record never reaches past its batch, and fields read without error are the
// bytes RecordWriter would write for them.
func FuzzRecords(f *testing.F) {
	// Seed with every record kind, each with the op string that reads its
	// fields in order (0: Bytes, 1: String, 2: Uint), and some misreadings.
	var all abi.RecordWriter
	for _, r := range records() {
		var w abi.RecordWriter
		writeRecords(&w, []record{r})
		writeRecords(&all, []record{r})
		ops := make([]byte, len(r.fields))
		for i, fl := range r.fields {
			if fl.isUint {
				ops[i] = 2
			} else {
				ops[i] = byte(i % 2)
			}
		}
		f.Add(w.Batch(), ops)
		f.Add(w.Batch()[:len(w.Batch())-1], ops)
		f.Add(w.Batch(), []byte{2, 2, 2, 0, 1})
	}
	f.Add(all.Batch(), []byte{0, 1, 2})
	f.Add([]byte{1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, []byte{0})
	f.Add([]byte{1, 0, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, []byte{0})
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, batch, ops []byte) {
		for len(batch) > 0 {
			kind, process, body, rest, err := abi.NextRecord(batch)
			if err != nil {
				if !errors.Is(err, abi.ErrShortRecord) || rest != nil {
					t.Fatalf("NextRecord = rest %d bytes, %v", len(rest), err)
				}
				return
			}
			bodyLen := len(batch) - len(rest) - abi.RecordHeader
			if bodyLen < 0 || !bytes.Equal(rest, batch[abi.RecordHeader+bodyLen:]) ||
				uint32(bodyLen) != binary.LittleEndian.Uint32(batch[5:]) {
				t.Fatalf("record of %d body bytes in a batch of %d, rest %d", bodyLen, len(batch), len(rest))
			}
			// Re-encode what reads without error: it must be the body's prefix.
			var w abi.RecordWriter
			w.Begin(kind, process)
			for _, op := range ops {
				switch op % 3 {
				case 0:
					v := body.Bytes()
					if body.Err() == nil {
						w.Bytes(v)
					} else if v != nil {
						t.Fatalf("Bytes() after an error = %q", v)
					}
				case 1:
					v := body.String()
					if body.Err() == nil {
						w.String(v)
					} else if v != "" {
						t.Fatalf("String() after an error = %q", v)
					}
				case 2:
					v := body.Uint()
					if body.Err() == nil {
						w.Uint(v)
					} else if v != 0 {
						t.Fatalf("Uint() after an error = %d", v)
					}
				}
				if err := body.Err(); err != nil && !errors.Is(err, abi.ErrShortRecord) {
					t.Fatalf("Err() = %v", err)
				}
			}
			w.End()
			got := w.Batch()
			if !bytes.Equal(got[:abi.RecordHeader-4], batch[:abi.RecordHeader-4]) ||
				!bytes.HasPrefix(batch[abi.RecordHeader:abi.RecordHeader+bodyLen], got[abi.RecordHeader:]) {
				t.Fatalf("fields re-encode to % x, record is % x", got, batch[:abi.RecordHeader+bodyLen])
			}
			batch = rest
		}
	})
}
