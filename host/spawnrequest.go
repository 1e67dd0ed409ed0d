package host

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/abi"
)

// spawnRequest is the decoded CBOR spawn request of the spawn import (keys in abi).
type spawnRequest struct {
	ID       string
	Host     string
	Args     []byte // CBOR array
	Monitor  bool
	Link     bool
	Call     bool
	Context  []byte // CBOR map, nil when none
	Actor    []byte // CBOR text or map {id, meta}, nil when none
	Scope    []string
	Name     string
	Messages []spawnMessage
}

type spawnMessage struct {
	Topic   string
	Payload []byte // CBOR array
}

// decodeSpawnRequest reads a spawn request: a CBOR map of text keys
// (abi.Spawn*), each at most once, in any order; a key it does not know is
// skipped, its value read past. A text value may be null (empty), a flag
// null (false); the arguments, context, actor and message payloads are
// kept as CBOR, copied out of b. It is written out over abi.Decoder: decoded
// by reflection (fxamacker/cbor into a tagged struct), a request was a fifth
// of the host's share of a native spawn (docs/log/perf-round2-2026-12-03.md).
func decodeSpawnRequest(b []byte, limit int64) (spawnRequest, *abi.Error) {
	var r spawnRequest
	if int64(len(b)) > limit {
		return r, abi.Errorf(abi.Invalid, "spawn request of %d bytes is larger than the payload limit of %d", len(b), limit)
	}
	if err := r.decode(b); err != nil {
		return spawnRequest{}, abi.Errorf(abi.Invalid, "malformed spawn request: %v", err)
	}
	if len(r.Args) == 0 {
		r.Args = abi.AppendArray(nil, 0)
	}
	if r.Args[0]>>5 != 4 || abi.Validate(r.Args) != nil {
		return r, abi.Errorf(abi.Invalid, "spawn arguments must be a well-formed array")
	}
	if len(r.Context) > 0 && (r.Context[0]>>5 != 5 || abi.Validate(r.Context) != nil) {
		return r, abi.Errorf(abi.Invalid, "spawn context must be a well-formed map")
	}
	for _, m := range r.Messages {
		if m.Topic == "" || m.Topic[0] == '@' || len(m.Topic) > abi.MaxTopic {
			return r, abi.Errorf(abi.Invalid, "invalid message topic %q", m.Topic)
		}
		if len(m.Payload) == 0 || m.Payload[0]>>5 != 4 || abi.Validate(m.Payload) != nil {
			return r, abi.Errorf(abi.Invalid, "spawn message payload must be a well-formed array")
		}
	}
	return r, nil
}

// requestReader reads the items of one request, knowing each one's CBOR
// major type (abi.Decoder reads text and byte strings alike).
type requestReader struct {
	b []byte // a copy of the request: the CBOR values kept alias it
	d *abi.Decoder
}

func (rr *requestReader) offset() int { return len(rr.b) - rr.d.Remaining() }

// major is the CBOR major type of the next item, 0xff at the end.
func (rr *requestReader) major() byte {
	if off := rr.offset(); off < len(rr.b) {
		return rr.b[off] >> 5
	}
	return 0xff
}

// null reads a null (or undefined) if one is next.
func (rr *requestReader) null() bool {
	if off := rr.offset(); off < len(rr.b) && (rr.b[off] == 0xf6 || rr.b[off] == 0xf7) {
		rr.d.Next()
		return true
	}
	return false
}

// text reads a text string (valid UTF-8); null reads as "".
func (rr *requestReader) text(what string) (string, error) {
	if rr.null() {
		return "", nil
	}
	return rr.key(what)
}

// key reads a text string (valid UTF-8).
func (rr *requestReader) key(what string) (string, error) {
	if rr.major() != 3 {
		return "", fmt.Errorf("%s must be a text string", what)
	}
	it, err := rr.d.Next()
	if err != nil {
		return "", err
	}
	if !utf8.Valid(it.Str) {
		return "", fmt.Errorf("%s is not valid UTF-8", what)
	}
	return string(it.Str), nil
}

// flag reads a boolean; null reads as false.
func (rr *requestReader) flag(what string) (bool, error) {
	if rr.null() {
		return false, nil
	}
	it, err := rr.d.Next()
	if err != nil {
		return false, err
	}
	if it.Type != abi.TypeBool {
		return false, fmt.Errorf("%s must be a boolean", what)
	}
	return it.Bool, nil
}

// raw reads past one well-formed item of the wire format and returns its
// bytes.
func (rr *requestReader) raw() ([]byte, error) {
	from := rr.offset()
	if err := rr.d.Skip(0); err != nil {
		return nil, err
	}
	to := rr.offset()
	return rr.b[from:to:to], nil
}

// array reads the head of an array, or a null (n < 0).
func (rr *requestReader) array(what string) (int, error) {
	if rr.null() {
		return -1, nil
	}
	it, err := rr.d.Next()
	if err != nil {
		return 0, err
	}
	if it.Type != abi.TypeArray {
		return 0, fmt.Errorf("%s must be an array", what)
	}
	return it.Len, nil
}

// The keys of a request, in the order of the bits that mark them read.
var requestKeys = [...]string{abi.SpawnID, abi.SpawnHost, abi.SpawnArgs, abi.SpawnMonitor, abi.SpawnLink,
	abi.SpawnCall, abi.SpawnContext, abi.SpawnActor, abi.SpawnScope, abi.SpawnName, abi.SpawnMessages}

func (r *spawnRequest) decode(b []byte) error {
	rr := &requestReader{b: slices.Clone(b)}
	rr.d = abi.NewDecoder(rr.b)
	head, err := rr.d.Next()
	if err != nil {
		return err
	}
	if head.Type != abi.TypeMap {
		return errors.New("not a map")
	}
	var read uint32
	var unknown map[string]bool // keys it does not know, made with the first
	for range head.Len {
		key, err := rr.key("a key")
		if err != nil {
			return err
		}
		k := slices.Index(requestKeys[:], key)
		if k < 0 {
			if unknown[key] {
				return fmt.Errorf("duplicate key %q", key)
			}
			if unknown == nil {
				unknown = map[string]bool{}
			}
			unknown[key] = true
			if err := rr.d.Skip(0); err != nil {
				return err
			}
			continue
		}
		if read&(1<<k) != 0 {
			return fmt.Errorf("duplicate key %q", key)
		}
		read |= 1 << k
		switch key {
		case abi.SpawnID:
			r.ID, err = rr.text(key)
		case abi.SpawnHost:
			r.Host, err = rr.text(key)
		case abi.SpawnName:
			r.Name, err = rr.text(key)
		case abi.SpawnArgs:
			r.Args, err = rr.raw()
		case abi.SpawnContext:
			r.Context, err = rr.raw()
		case abi.SpawnActor:
			r.Actor, err = rr.raw()
		case abi.SpawnMonitor:
			r.Monitor, err = rr.flag(key)
		case abi.SpawnLink:
			r.Link, err = rr.flag(key)
		case abi.SpawnCall:
			r.Call, err = rr.flag(key)
		case abi.SpawnScope:
			err = r.readScope(rr)
		case abi.SpawnMessages:
			err = r.readMessages(rr)
		}
		if err != nil {
			return err
		}
	}
	if rr.d.Remaining() != 0 {
		return errors.New("data after the map")
	}
	return nil
}

// readScope reads the scope: an array of text strings (empty: limited to
// no role), or null (none).
func (r *spawnRequest) readScope(rr *requestReader) error {
	n, err := rr.array(abi.SpawnScope)
	if n < 0 || err != nil {
		return err
	}
	r.Scope = make([]string, n)
	for i := range r.Scope {
		if r.Scope[i], err = rr.text("a scope role"); err != nil {
			return err
		}
	}
	return nil
}

// readMessages reads the messages: an array of [topic, payload] pairs, or null.
func (r *spawnRequest) readMessages(rr *requestReader) error {
	n, err := rr.array(abi.SpawnMessages)
	if n < 0 || err != nil {
		return err
	}
	r.Messages = make([]spawnMessage, n)
	for i := range r.Messages {
		if pair, err := rr.array("a message"); err != nil || pair != 2 {
			if err == nil {
				err = errors.New("a message must be a [topic, payload] pair")
			}
			return err
		}
		m := &r.Messages[i]
		if m.Topic, err = rr.text("a message topic"); err != nil {
			return err
		}
		if m.Payload, err = rr.raw(); err != nil {
			return err
		}
	}
	return nil
}

var actorDecoder, _ = cbor.DecOptions{
	MaxNestedLevels: abi.MaxDepth + 4,
	DupMapKey:       cbor.DupMapKeyEnforcedAPF,
}.DecMode()

// actorOf reads the security actor of a request: a string, or {id = ...,
// meta = {...}}. meta is the actor's meta table in the wire format, "" when
// there is none; security.actor():meta() reads it back.
func actorOf(raw []byte) (id, meta string, ok bool) {
	var s string
	if cbor.Unmarshal(raw, &s) == nil && s != "" {
		return s, "", true
	}
	var t struct {
		ID   string          `cbor:"id"`
		Meta cbor.RawMessage `cbor:"meta"`
	}
	if actorDecoder.Unmarshal(raw, &t) != nil || t.ID == "" {
		return "", "", false
	}
	if len(t.Meta) == 0 || t.Meta[0] == 0xf6 {
		return t.ID, "", true
	}
	if major := t.Meta[0] >> 5; (major != 4 && major != 5) || abi.Validate(t.Meta) != nil {
		return "", "", false
	}
	return t.ID, string(t.Meta), true
}
