package abi

import (
	"encoding/binary"
	"errors"
)

// RecordKind is the first byte of a record the host writes into the guest's
// buffer before [ExportStep]. A record is
//
//	kind u8 | process u32 | body_len u32 | body
//
// little-endian, where process is the guest-side handle of the process the
// record is for. Body fields are written with [RecordWriter] and read back in
// the same order with [RecordReader]: byte strings as u32 length + bytes,
// integers as u64.
type RecordKind uint8

const (
	// RecordStart starts a process: pid, source id, source text, args (CBOR
	// array), context (CBOR map or empty), lineage (its place in the spawn
	// tree: the PID sequence numbers of its ancestors and its own, root
	// first, u64 little-endian each, at most [SpawnTreeDepth]; the guest
	// shares CPU along it). Its security identity stays in the host; the
	// guest asks for it (ImportSecurity, OpIdentity).
	RecordStart RecordKind = iota + 1
	// RecordMessage delivers a message: from PID (empty: the runtime), topic,
	// payload (CBOR array).
	RecordMessage
	// RecordEvent delivers a lifecycle event: kind (u64, an [EventKind]), from
	// PID, result (one CBOR value: {value=v} or {error=msg}; empty for CANCEL),
	// deadline (u64 Unix ms; 0 for none).
	RecordEvent
	// RecordKill ends a process at once: status (u64), reason text.
	RecordKill
	// RecordTimer fires timer id (u64) of the process.
	RecordTimer
	// RecordReply completes a process.call: child PID, abnormal (u64 0/1),
	// value (one CBOR value, as in the exit import).
	RecordReply
)

// EventKind is the kind of a [RecordEvent].
type EventKind uint64

const (
	EventExit EventKind = iota + 1
	EventLinkDown
	EventCancel
)

// Name is the Lua constant of the event kind (process.event.EXIT, ...).
func (k EventKind) Name() string {
	switch k {
	case EventExit:
		return "EXIT"
	case EventLinkDown:
		return "LINK_DOWN"
	case EventCancel:
		return "CANCEL"
	}
	return "UNKNOWN"
}

// RecordHeader is the fixed part in front of every record body.
const RecordHeader = 9

// ErrShortRecord is returned for a batch or body that ends inside a field.
var ErrShortRecord = errors.New("abi: record truncated")

// RecordWriter appends records to a batch.
type RecordWriter struct {
	buf   []byte
	start int
}

// Begin starts a record; fields follow, then End.
func (w *RecordWriter) Begin(kind RecordKind, process uint32) {
	w.start = len(w.buf)
	w.buf = append(w.buf, byte(kind))
	w.buf = binary.LittleEndian.AppendUint32(w.buf, process)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, 0)
}

// Bytes appends a byte-string field.
func (w *RecordWriter) Bytes(b []byte) {
	w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(len(b)))
	w.buf = append(w.buf, b...)
}

// String appends a byte-string field.
func (w *RecordWriter) String(s string) {
	w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(len(s)))
	w.buf = append(w.buf, s...)
}

// Uint appends an integer field.
func (w *RecordWriter) Uint(v uint64) { w.buf = binary.LittleEndian.AppendUint64(w.buf, v) }

// End closes the record begun last, filling in its body length.
func (w *RecordWriter) End() {
	binary.LittleEndian.PutUint32(w.buf[w.start+5:], uint32(len(w.buf)-w.start-RecordHeader))
}

// Len is the number of bytes written so far.
func (w *RecordWriter) Len() int { return len(w.buf) }

// Batch returns the records written so far.
func (w *RecordWriter) Batch() []byte { return w.buf }

// Reset empties the writer, keeping its memory.
func (w *RecordWriter) Reset() { w.buf = w.buf[:0] }

// Append adds records already encoded (a batch or a prefix of one).
func (w *RecordWriter) Append(records []byte) { w.buf = append(w.buf, records...) }

// Drop removes the first n bytes (whole records) of the batch.
func (w *RecordWriter) Drop(n int) {
	w.buf = w.buf[:copy(w.buf, w.buf[n:])]
}

// Prefix returns the length of the longest run of whole records at the start
// of batch that fits in maxBytes bytes and maxCost, where each record costs
// cost(kind) (1 when cost is nil), and at least the first record, so a
// batch can be handed over in slices of bounded size and work.
func Prefix(batch []byte, maxBytes, maxCost int, cost func(RecordKind) int) int {
	n, spent := 0, 0
	for n < len(batch) {
		kind, _, _, rest, err := NextRecord(batch[n:])
		if err != nil {
			return len(batch) // malformed: hand it over whole, the reader reports it
		}
		next := len(batch) - len(rest)
		c := 1
		if cost != nil {
			c = cost(kind)
		}
		if n > 0 && (next > maxBytes || spent+c > maxCost) {
			break
		}
		n, spent = next, spent+c
	}
	return n
}

// NextRecord splits the first record off batch. It returns the record's kind,
// process handle, body and the rest of the batch.
func NextRecord(batch []byte) (kind RecordKind, process uint32, body RecordReader, rest []byte, err error) {
	if len(batch) < RecordHeader {
		return 0, 0, RecordReader{}, nil, ErrShortRecord
	}
	n := binary.LittleEndian.Uint32(batch[5:])
	if uint64(n) > uint64(len(batch)-RecordHeader) {
		return 0, 0, RecordReader{}, nil, ErrShortRecord
	}
	end := RecordHeader + int(n)
	return RecordKind(batch[0]), binary.LittleEndian.Uint32(batch[1:]), RecordReader{b: batch[RecordHeader:end]}, batch[end:], nil
}

// RecordReader reads the fields of one record body in order. A read past the
// end sets a sticky error, returned by Err, and yields zero values.
type RecordReader struct {
	b   []byte
	err error
}

// Bytes reads a byte-string field. The slice aliases the batch.
func (r *RecordReader) Bytes() []byte {
	if r.err != nil || len(r.b) < 4 {
		r.err = ErrShortRecord
		return nil
	}
	n := binary.LittleEndian.Uint32(r.b)
	if uint64(n) > uint64(len(r.b)-4) {
		r.err = ErrShortRecord
		return nil
	}
	v := r.b[4 : 4+n]
	r.b = r.b[4+n:]
	return v
}

// String reads a byte-string field as a string (a copy).
func (r *RecordReader) String() string { return string(r.Bytes()) }

// Uint reads an integer field.
func (r *RecordReader) Uint() uint64 {
	if r.err != nil || len(r.b) < 8 {
		r.err = ErrShortRecord
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

// Err is the first error met while reading.
func (r *RecordReader) Err() error { return r.err }
