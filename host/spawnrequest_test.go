package host

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/abi"
)

// reflectRequest is the spawn request as it was decoded before
// decodeSpawnRequest was written out (fxamacker/cbor into a tagged struct):
// the reference the fuzzer holds the hand-written decoder to.
type reflectRequest struct {
	ID       string          `cbor:"id"`
	Host     string          `cbor:"host"`
	Args     cbor.RawMessage `cbor:"args"`
	Monitor  bool            `cbor:"monitor"`
	Link     bool            `cbor:"link"`
	Call     bool            `cbor:"call"`
	Context  cbor.RawMessage `cbor:"context"`
	Actor    cbor.RawMessage `cbor:"actor"`
	Scope    []string        `cbor:"scope"`
	Name     string          `cbor:"name"`
	Messages []struct {
		_       struct{} `cbor:",toarray"`
		Topic   string
		Payload cbor.RawMessage
	} `cbor:"messages"`
}

var reflectDecoder, _ = cbor.DecOptions{
	MaxNestedLevels:  abi.MaxDepth + 4,
	MaxArrayElements: abi.MaxPayload,
	MaxMapPairs:      abi.MaxPayload,
	DupMapKey:        cbor.DupMapKeyEnforcedAPF,
	// It matched a key that differed only in case, as encoding/json does;
	// the written-out decoder matches keys exactly (the guest writes them
	// exactly), and is compared with that.
	FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
}.DecMode()

func decodeByReflection(b []byte) (spawnRequest, bool) {
	var o reflectRequest
	if reflectDecoder.Unmarshal(b, &o) != nil {
		return spawnRequest{}, false
	}
	r := spawnRequest{ID: o.ID, Host: o.Host, Args: o.Args, Monitor: o.Monitor, Link: o.Link, Call: o.Call,
		Context: o.Context, Actor: o.Actor, Scope: o.Scope, Name: o.Name}
	for _, m := range o.Messages {
		r.Messages = append(r.Messages, spawnMessage{Topic: m.Topic, Payload: m.Payload})
	}
	return r, true
}

// encodeRequest writes r as the guest does (sandbox/vm/spawner.go), every
// field it has.
func encodeRequest(r spawnRequest) []byte {
	n := 0
	b := []byte{}
	add := func(key string) { n++; b = abi.AppendString(b, key) }
	if r.ID != "" {
		add(abi.SpawnID)
		b = abi.AppendString(b, r.ID)
	}
	if r.Host != "" {
		add(abi.SpawnHost)
		b = abi.AppendString(b, r.Host)
	}
	if r.Args != nil {
		add(abi.SpawnArgs)
		b = append(b, r.Args...)
	}
	for _, f := range []struct {
		key string
		on  bool
	}{{abi.SpawnMonitor, r.Monitor}, {abi.SpawnLink, r.Link}, {abi.SpawnCall, r.Call}} {
		if f.on {
			add(f.key)
			b = abi.AppendBool(b, true)
		}
	}
	if r.Context != nil {
		add(abi.SpawnContext)
		b = append(b, r.Context...)
	}
	if r.Actor != nil {
		add(abi.SpawnActor)
		b = append(b, r.Actor...)
	}
	if r.Scope != nil {
		add(abi.SpawnScope)
		b = abi.AppendArray(b, len(r.Scope))
		for _, s := range r.Scope {
			b = abi.AppendString(b, s)
		}
	}
	if r.Name != "" {
		add(abi.SpawnName)
		b = abi.AppendString(b, r.Name)
	}
	if r.Messages != nil {
		add(abi.SpawnMessages)
		b = abi.AppendArray(b, len(r.Messages))
		for _, m := range r.Messages {
			b = append(abi.AppendString(abi.AppendArray(b, 2), m.Topic), m.Payload...)
		}
	}
	return append(abi.AppendMap(nil, n), b...)
}

func sameRequest(a, b spawnRequest) bool {
	norm := func(r spawnRequest) spawnRequest {
		for _, p := range []*[]byte{&r.Args, &r.Context, &r.Actor} {
			if len(*p) == 0 {
				*p = nil
			}
		}
		for i := range r.Messages {
			if len(r.Messages[i].Payload) == 0 {
				r.Messages[i].Payload = nil
			}
		}
		return r
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

func fullRequest() spawnRequest {
	args := abi.AppendString(abi.AppendInt(abi.AppendArray(nil, 2), 7), "x")
	ctx := abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "k"), 1)
	actor := abi.AppendString(nil, "svc")
	payload := abi.AppendBool(abi.AppendArray(nil, 1), true)
	return spawnRequest{ID: "app:worker", Host: "app:processes", Args: args, Monitor: true, Link: true, Call: true,
		Context: ctx, Actor: actor, Scope: []string{"reader", "writer"}, Name: "w1",
		Messages: []spawnMessage{{Topic: "hello", Payload: payload}}}
}

// TestDecodeSpawnRequest: what the guest writes reads back field for field,
// as the reflecting decoder read it; an empty scope is a scope (limited to
// no role), distinct from none.
func TestDecodeSpawnRequest(t *testing.T) {
	for _, r := range []spawnRequest{
		fullRequest(),
		{ID: "idle", Host: "app:processes", Args: abi.AppendArray(nil, 0)},
		{ID: "idle", Host: "h", Args: abi.AppendArray(nil, 0), Scope: []string{}},
	} {
		b := encodeRequest(r)
		got, err := decodeSpawnRequest(b, abi.MaxPayload)
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if !sameRequest(got, r) {
			t.Fatalf("decoded %+v, want %+v", got, r)
		}
		old, ok := decodeByReflection(b)
		if !ok || !sameRequest(old, got) {
			t.Fatalf("by reflection %+v (ok %v), written out %+v", old, ok, got)
		}
		// The values kept are copies: the guest's buffer may be reused.
		clear(b)
		if !sameRequest(got, r) {
			t.Fatal("the decoded request aliases its input")
		}
	}
}

// TestDecodeSpawnRequestRefuses: malformed requests are INVALID with a
// message that says what is wrong.
func TestDecodeSpawnRequestRefuses(t *testing.T) {
	key := func(b []byte, k string) []byte { return abi.AppendString(b, k) }
	empty := abi.AppendArray(nil, 0)
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "malformed spawn request"},
		{"not a map", empty, "not a map"},
		{"duplicate key", abi.AppendString(key(abi.AppendString(key(abi.AppendMap(nil, 2), "id"), "a"), "id"), "b"), `duplicate key "id"`},
		{"duplicate unknown key", abi.AppendInt(key(abi.AppendInt(key(abi.AppendMap(nil, 2), "zz"), 1), "zz"), 2), `duplicate key "zz"`},
		{"number as id", abi.AppendInt(key(abi.AppendMap(nil, 1), "id"), 5), "id must be a text string"},
		{"bytes as id", append(key(abi.AppendMap(nil, 1), "id"), 0x41, 'x'), "id must be a text string"},
		{"invalid UTF-8 id", append(key(abi.AppendMap(nil, 1), "id"), 0x61, 0xff), "not valid UTF-8"},
		{"integer key", abi.AppendInt(abi.AppendInt(abi.AppendMap(nil, 1), 1), 1), "a key must be a text string"},
		{"string as flag", abi.AppendString(key(abi.AppendMap(nil, 1), "link"), "yes"), "link must be a boolean"},
		{"map as scope", abi.AppendMap(key(abi.AppendMap(nil, 1), "scope"), 0), "scope must be an array"},
		{"message of three", abi.AppendInt(abi.AppendString(abi.AppendString(abi.AppendArray(abi.AppendArray(key(abi.AppendMap(nil, 1), "messages"), 1), 3), "t"), "x"), 1), "[topic, payload] pair"},
		{"data after the map", append(abi.AppendMap(nil, 0), 0xf6), "data after the map"},
		{"indefinite map", []byte{0xbf, 0xff}, "malformed spawn request"},
		{"truncated", abi.AppendMap(nil, 1), "malformed spawn request"},
		{"args not an array", abi.AppendMap(key(abi.AppendMap(nil, 1), "args"), 0), "spawn arguments must be a well-formed array"},
		{"null args", abi.AppendNull(key(abi.AppendMap(nil, 1), "args")), "spawn arguments must be a well-formed array"},
		{"context not a map", append(key(abi.AppendMap(nil, 1), "context"), empty...), "spawn context must be a well-formed map"},
	} {
		_, err := decodeSpawnRequest(c.b, abi.MaxPayload)
		if err == nil || err.Status != abi.Invalid || !strings.Contains(err.Message, c.want) {
			t.Errorf("%s: %v, want INVALID with %q", c.name, err, c.want)
		}
	}
	if _, err := decodeSpawnRequest(encodeRequest(fullRequest()), 10); err == nil || !strings.Contains(err.Message, "larger than the payload limit") {
		t.Errorf("over the limit: %v", err)
	}
}

// FuzzSpawnRequest holds the written-out decoder to the reflecting one: a
// request it accepts, the reflecting decoder read the same; a request the
// reflecting decoder read, written as the guest writes it, it reads the same.
func FuzzSpawnRequest(f *testing.F) {
	f.Add(encodeRequest(fullRequest()))
	f.Add(encodeRequest(spawnRequest{ID: "idle", Host: "h", Args: abi.AppendArray(nil, 0), Scope: []string{}}))
	f.Add([]byte{0xa1, 0x62, 'i', 'd', 0xf6})
	f.Add([]byte{0xbf, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		if _, err := decodeSpawnRequest(b, abi.MaxPayload); err != nil && err.Status != abi.Invalid {
			t.Fatalf("refused with %v, want INVALID", err)
		}
		if !bytes.Equal(in, b) {
			t.Fatal("the decoder wrote to its input")
		}
		var got spawnRequest
		err := got.decode(b)
		old, ok := decodeByReflection(b)
		if err == nil {
			if !ok {
				t.Fatalf("accepted %x, which the reflecting decoder refused", b)
			}
			if !sameRequest(old, got) {
				t.Fatalf("%x: decoded %+v, by reflection %+v", b, got, old)
			}
			return
		}
		if !ok {
			return
		}
		// The same request as the guest writes it: every value either
		// decoder keeps raw must be wire format for the guest to write it.
		for _, raw := range append([][]byte{old.Args, old.Context, old.Actor}, payloads(old)...) {
			if len(raw) > 0 && abi.Validate(raw) != nil {
				return
			}
		}
		if !validText(old) {
			return
		}
		var again spawnRequest
		if err := again.decode(encodeRequest(old)); err != nil || !sameRequest(again, old) {
			t.Fatalf("%x: read by reflection as %+v; written as the guest writes it, decoded %+v (%v)", b, old, again, err)
		}
	})
}

func payloads(r spawnRequest) [][]byte {
	var out [][]byte
	for _, m := range r.Messages {
		out = append(out, m.Payload)
	}
	return out
}

// validText: every string of r is valid UTF-8 (the guest writes others as
// byte strings, which no decoder reads as text).
func validText(r spawnRequest) bool {
	s := append([]string{r.ID, r.Host, r.Name}, r.Scope...)
	for _, m := range r.Messages {
		s = append(s, m.Topic)
	}
	for _, x := range s {
		if !utf8.ValidString(x) {
			return false
		}
	}
	return true
}
