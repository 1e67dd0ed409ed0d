package abi_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

// field is one record field: a byte string, or an integer when isUint.
type field struct {
	isUint bool
	u      uint64
	b      []byte
}

func u(v uint64) field  { return field{isUint: true, u: v} }
func s(v string) field  { return field{b: []byte(v)} }
func bs(v []byte) field { return field{b: v} }

type record struct {
	name    string
	kind    abi.RecordKind
	process uint32
	fields  []field
}

// records holds one record of every kind, with its fields in the documented order.
func records() []record {
	args := abi.AppendInt(abi.AppendString(abi.AppendArray(nil, 2), "hi"), 7)
	ctx := abi.AppendBool(abi.AppendString(abi.AppendMap(nil, 1), "trace"), true)
	payload := abi.AppendNumber(abi.AppendString(abi.AppendArray(nil, 2), "ping"), 1.5)
	exitValue := abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "value"), 42)
	exitError := abi.AppendString(abi.AppendString(abi.AppendMap(nil, 1), "error"), "boom")
	return []record{
		{"start", abi.RecordStart, 1, []field{
			s("{app:processes|0x0001a}"), s("app.workers:handler"), s("return {main = function(...) end}"),
			bs(args), bs(ctx), s("app.workers:handler"),
		}},
		{"start/empty context", abi.RecordStart, 2, []field{
			s("{app:processes|0x0001b}"), s("ping"), s("return function() end"),
			bs(abi.AppendArray(nil, 0)), bs(nil), s("ping"),
		}},
		{"message", abi.RecordMessage, 3, []field{s("{app:processes|0x0001a}"), s("ping"), bs(payload)}},
		{"message/from runtime", abi.RecordMessage, 3, []field{bs(nil), s("tick"), bs(abi.AppendArray(nil, 0))}},
		{"event/exit", abi.RecordEvent, 4, []field{u(uint64(abi.EventExit)), s("{app:processes|0x0001c}"), bs(exitValue), u(0)}},
		{"event/link down", abi.RecordEvent, 4, []field{u(uint64(abi.EventLinkDown)), s("{app:processes|0x0001d}"), bs(exitError), u(0)}},
		{"event/cancel", abi.RecordEvent, 4, []field{u(uint64(abi.EventCancel)), s("{app:processes|0x0001e}"), bs(nil), u(1_700_000_000_000)}},
		{"kill", abi.RecordKill, 5, []field{u(uint64(abi.Timeout)), s("canceled: deadline passed")}},
		{"timer", abi.RecordTimer, 6, []field{u(math.MaxUint64)}},
		{"reply/normal", abi.RecordReply, math.MaxUint32, []field{s("{app:processes|0x0001f}"), u(0), bs(abi.AppendString(nil, "done"))}},
		{"reply/abnormal", abi.RecordReply, 0, []field{s("{app:processes|0x00020}"), u(1), bs(abi.AppendError(nil, "NOT_FOUND", "no such source"))}},
		{"unknown kind", abi.RecordKind(200), 9, nil},
	}
}

func writeRecords(w *abi.RecordWriter, recs []record) {
	for _, r := range recs {
		w.Begin(r.kind, r.process)
		for _, f := range r.fields {
			switch {
			case f.isUint:
				w.Uint(f.u)
			case len(f.b)%2 == 0:
				w.Bytes(f.b) // both writers produce the same bytes
			default:
				w.String(string(f.b))
			}
		}
		w.End()
	}
}

// readFields reads fields shaped like want from body and checks them.
func readFields(t *testing.T, body *abi.RecordReader, want []field) {
	t.Helper()
	for i, f := range want {
		if f.isUint {
			if got := body.Uint(); got != f.u {
				t.Errorf("field %d: Uint() = %d, want %d", i, got, f.u)
			}
			continue
		}
		var got []byte
		if i%2 == 0 {
			got = body.Bytes()
		} else {
			got = []byte(body.String())
		}
		if !bytes.Equal(got, f.b) {
			t.Errorf("field %d: = %q, want %q", i, got, f.b)
		}
	}
	if err := body.Err(); err != nil {
		t.Fatalf("Err() = %v after reading the written fields", err)
	}
	// The body holds exactly the written fields: one more read is past its end.
	if body.Bytes() != nil || body.Err() != abi.ErrShortRecord {
		t.Errorf("reading past the last field: Err() = %v, want ErrShortRecord", body.Err())
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range records() {
		t.Run(r.name, func(t *testing.T) {
			var w abi.RecordWriter
			writeRecords(&w, []record{r})
			batch := w.Batch()
			if w.Len() != len(batch) {
				t.Errorf("Len() = %d, len(Batch()) = %d", w.Len(), len(batch))
			}
			size := 0
			for _, f := range r.fields {
				if f.isUint {
					size += 8
				} else {
					size += 4 + len(f.b)
				}
			}
			if len(batch) != abi.RecordHeader+size {
				t.Fatalf("record is %d bytes, want header %d + body %d", len(batch), abi.RecordHeader, size)
			}
			// The header layout: kind u8 | process u32 LE | body_len u32 LE.
			if batch[0] != byte(r.kind) || binary.LittleEndian.Uint32(batch[1:]) != r.process ||
				binary.LittleEndian.Uint32(batch[5:]) != uint32(size) {
				t.Fatalf("header = % x, want kind %d process %d body_len %d", batch[:abi.RecordHeader], r.kind, r.process, size)
			}
			kind, process, body, rest, err := abi.NextRecord(batch)
			if err != nil || kind != r.kind || process != r.process || len(rest) != 0 {
				t.Fatalf("NextRecord = %d, %d, rest %d bytes, %v; want %d, %d, 0, nil", kind, process, len(rest), err, r.kind, r.process)
			}
			readFields(t, &body, r.fields)
		})
	}
}

func TestRecordBatch(t *testing.T) {
	recs := records()
	var w abi.RecordWriter
	writeRecords(&w, recs)
	batch := w.Batch()
	for i, r := range recs {
		kind, process, body, rest, err := abi.NextRecord(batch)
		if err != nil || kind != r.kind || process != r.process {
			t.Fatalf("record %d: NextRecord = %d, %d, %v; want %d, %d, nil", i, kind, process, err, r.kind, r.process)
		}
		readFields(t, &body, r.fields)
		batch = rest
	}
	if len(batch) != 0 {
		t.Fatalf("%d bytes left after the last record", len(batch))
	}
	if _, _, _, rest, err := abi.NextRecord(batch); err != abi.ErrShortRecord || rest != nil {
		t.Errorf("NextRecord(empty) = rest %v, %v; want nil, ErrShortRecord", rest, err)
	}

	// Reset keeps nothing of the previous batch.
	w.Reset()
	if w.Len() != 0 || len(w.Batch()) != 0 {
		t.Fatalf("after Reset: Len() = %d", w.Len())
	}
	writeRecords(&w, recs[len(recs)-2:len(recs)-1])
	var fresh abi.RecordWriter
	writeRecords(&fresh, recs[len(recs)-2:len(recs)-1])
	if !bytes.Equal(w.Batch(), fresh.Batch()) {
		t.Errorf("writer after Reset = % x, fresh writer = % x", w.Batch(), fresh.Batch())
	}
}

func TestRecordFieldEncoding(t *testing.T) {
	var w abi.RecordWriter
	w.Begin(abi.RecordTimer, 0x04030201)
	w.String("ab")
	w.Bytes([]byte{0xff})
	w.Uint(0x0807060504030201)
	w.End()
	want := []byte{
		byte(abi.RecordTimer), 0x01, 0x02, 0x03, 0x04, // kind, process
		4 + 2 + 4 + 1 + 8, 0, 0, 0, // body_len
		2, 0, 0, 0, 'a', 'b', // u32 length + bytes
		1, 0, 0, 0, 0xff,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // u64
	}
	if !bytes.Equal(w.Batch(), want) {
		t.Errorf("batch = % x\nwant    % x", w.Batch(), want)
	}
}

// TestRecordTruncatedBatch cuts a batch at every offset: the whole records in
// front of the cut read back, the cut one is ErrShortRecord.
func TestRecordTruncatedBatch(t *testing.T) {
	recs := records()
	var w abi.RecordWriter
	writeRecords(&w, recs)
	full := w.Batch()
	for cut := 0; cut < len(full); cut++ {
		batch := full[:cut:cut]
		n := 0
		for {
			_, _, _, rest, err := abi.NextRecord(batch)
			if err != nil {
				if !errors.Is(err, abi.ErrShortRecord) || rest != nil {
					t.Fatalf("cut %d: NextRecord = rest %d bytes, %v; want nil, ErrShortRecord", cut, len(rest), err)
				}
				break
			}
			n++
			batch = rest
		}
		if n >= len(recs) {
			t.Fatalf("cut %d: read %d whole records out of %d", cut, n, len(recs))
		}
	}
}

// TestRecordTruncatedBody shortens body_len of each record at every length:
// NextRecord accepts the record, and reading its fields gives ErrShortRecord
// (sticky, with zero values) instead of reading into the next record.
func TestRecordTruncatedBody(t *testing.T) {
	for _, r := range records() {
		var w abi.RecordWriter
		writeRecords(&w, []record{r})
		full := w.Batch()
		bodyLen := len(full) - abi.RecordHeader
		for n := 0; n < bodyLen; n++ {
			batch := append([]byte(nil), full...)
			binary.LittleEndian.PutUint32(batch[5:], uint32(n))
			_, _, body, rest, err := abi.NextRecord(batch)
			if err != nil || len(rest) != bodyLen-n {
				t.Fatalf("%s, body_len %d: NextRecord = rest %d, %v", r.name, n, len(rest), err)
			}
			failed := false
			for _, f := range r.fields {
				if f.isUint {
					v := body.Uint()
					if failed && v != 0 {
						t.Errorf("%s, body_len %d: Uint() after an error = %d, want 0", r.name, n, v)
					}
				} else {
					v := body.Bytes()
					if failed && v != nil {
						t.Errorf("%s, body_len %d: Bytes() after an error = %q, want nil", r.name, n, v)
					}
				}
				if body.Err() != nil {
					failed = true
				}
			}
			if !errors.Is(body.Err(), abi.ErrShortRecord) {
				t.Errorf("%s, body_len %d of %d: Err() = %v, want ErrShortRecord", r.name, n, bodyLen, body.Err())
			}
		}
	}
}

func TestRecordLyingLengths(t *testing.T) {
	var w abi.RecordWriter
	w.Begin(abi.RecordMessage, 1)
	w.String("from")
	w.String("topic")
	w.End()
	good := w.Batch()

	t.Run("body longer than the batch", func(t *testing.T) {
		for _, n := range []uint32{uint32(len(good) - abi.RecordHeader + 1), 1 << 20, math.MaxUint32 - 8, math.MaxUint32} {
			batch := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(batch[5:], n)
			if _, _, _, rest, err := abi.NextRecord(batch); !errors.Is(err, abi.ErrShortRecord) || rest != nil {
				t.Errorf("body_len %d: NextRecord = rest %d bytes, %v; want nil, ErrShortRecord", n, len(rest), err)
			}
		}
	})
	t.Run("field longer than the body", func(t *testing.T) {
		// The body is 4+4 + 4+5 bytes: a first field may be at most 13 long.
		for _, n := range []uint32{14, 1 << 20, math.MaxUint32 - 3, math.MaxUint32} {
			batch := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(batch[abi.RecordHeader:], n) // the length of "from"
			_, _, body, _, err := abi.NextRecord(batch)
			if err != nil {
				t.Fatalf("NextRecord: %v", err)
			}
			if v := body.Bytes(); v != nil || !errors.Is(body.Err(), abi.ErrShortRecord) {
				t.Errorf("field length %d: Bytes() = %q, Err() = %v; want nil, ErrShortRecord", n, v, body.Err())
			}
			if v := body.String(); v != "" || !errors.Is(body.Err(), abi.ErrShortRecord) {
				t.Errorf("field length %d: the error is not sticky: String() = %q, Err() = %v", n, v, body.Err())
			}
		}
	})
	t.Run("short header", func(t *testing.T) {
		for n := 0; n < abi.RecordHeader; n++ {
			if _, _, _, _, err := abi.NextRecord(good[:n]); !errors.Is(err, abi.ErrShortRecord) {
				t.Errorf("%d bytes: NextRecord = %v, want ErrShortRecord", n, err)
			}
		}
	})
	t.Run("short integer", func(t *testing.T) {
		var w abi.RecordWriter
		w.Begin(abi.RecordTimer, 1)
		w.Uint(7)
		w.End()
		batch := append([]byte(nil), w.Batch()...)
		binary.LittleEndian.PutUint32(batch[5:], 7)
		_, _, body, _, err := abi.NextRecord(batch)
		if err != nil {
			t.Fatalf("NextRecord: %v", err)
		}
		if v := body.Uint(); v != 0 || !errors.Is(body.Err(), abi.ErrShortRecord) {
			t.Errorf("Uint() = %d, Err() = %v; want 0, ErrShortRecord", v, body.Err())
		}
	})
}

func TestEventKindName(t *testing.T) {
	tests := []struct {
		kind abi.EventKind
		code uint64
		name string
	}{
		{abi.EventExit, 1, "EXIT"},
		{abi.EventLinkDown, 2, "LINK_DOWN"},
		{abi.EventCancel, 3, "CANCEL"},
		{0, 0, "UNKNOWN"},
		{4, 4, "UNKNOWN"},
		{math.MaxUint64, math.MaxUint64, "UNKNOWN"},
	}
	for _, tt := range tests {
		if uint64(tt.kind) != tt.code {
			t.Errorf("%s = %d, want %d", tt.name, uint64(tt.kind), tt.code)
		}
		if got := tt.kind.Name(); got != tt.name {
			t.Errorf("EventKind(%d).Name() = %q, want %q", tt.code, got, tt.name)
		}
	}
}

func TestRecordKindCodes(t *testing.T) {
	// The codes cross the boundary: they must never change.
	want := []abi.RecordKind{abi.RecordStart, abi.RecordMessage, abi.RecordEvent, abi.RecordKill, abi.RecordTimer, abi.RecordReply}
	for i, k := range want {
		if uint8(k) != uint8(i+1) {
			t.Errorf("record kind %d has code %d, want %d", i, k, i+1)
		}
	}
}

func TestPrefixAndDrop(t *testing.T) {
	var w abi.RecordWriter
	for i := 0; i < 10; i++ {
		w.Begin(abi.RecordMessage, uint32(i))
		w.Bytes(make([]byte, 100))
		w.End()
	}
	batch := append([]byte(nil), w.Batch()...)
	one := len(batch) / 10
	if n := abi.Prefix(batch, 3*one+5, math.MaxInt, nil); n != 3*one {
		t.Fatalf("Prefix = %d, want %d", n, 3*one)
	}
	if n := abi.Prefix(batch, 1, math.MaxInt, nil); n != one {
		t.Fatalf("Prefix with a tiny max = %d, want the first record (%d)", n, one)
	}
	if n := abi.Prefix(batch, 1<<20, math.MaxInt, nil); n != len(batch) {
		t.Fatalf("Prefix of a small batch = %d, want all %d", n, len(batch))
	}
	if n := abi.Prefix(batch, 1<<20, 4, nil); n != 4*one {
		t.Fatalf("Prefix of at most 4 records = %d, want %d", n, 4*one)
	}
	costly := func(k abi.RecordKind) int { return 3 }
	if n := abi.Prefix(batch, 1<<20, 7, costly); n != 2*one {
		t.Fatalf("Prefix of cost 7 at 3 a record = %d, want %d", n, 2*one)
	}
	if n := abi.Prefix(batch, 1<<20, 1, costly); n != one {
		t.Fatalf("Prefix whose first record costs more than the max = %d, want the first record (%d)", n, one)
	}
	w.Drop(3 * one)
	_, h, _, _, err := abi.NextRecord(w.Batch())
	if err != nil || h != 3 || w.Len() != 7*one {
		t.Fatalf("after Drop: first record %d (%v), len %d", h, err, w.Len())
	}
}
