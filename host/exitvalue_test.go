package host

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/moonbox-runtime/moonbox/abi"
)

// exitValueJSON renders a CBOR exit value for test messages.
func exitValueJSON(v []byte) (string, error) {
	var x any
	if err := cbor.Unmarshal(v, &x); err != nil {
		return "", err
	}
	if m, isMap := x.(map[any]any); isMap {
		s := map[string]any{}
		for k, v := range m {
			if ks, isStr := k.(string); isStr {
				s[ks] = v
			}
		}
		x = s
	}
	b, err := json.Marshal(x)
	return string(b), err
}

// TestExitOfBothForms: the exit import's error object is read in both wire
// forms, the old [kind, message] and [kind, message, retryable, details],
// and the whole object is what a process.call gets back.
func TestExitOfBothForms(t *testing.T) {
	details := abi.AppendInt(abi.AppendString(abi.AppendMap(nil, 1), "after_ms"), 250)
	tests := []struct {
		name  string
		value []byte
		want  Exit
	}{
		{"short form", abi.AppendError(nil, "NOT_FOUND", "gone"),
			Exit{Kind: "NOT_FOUND", Error: "gone"}},
		{"long form", abi.AppendErrorObject(nil, abi.ErrorObject{Kind: "UNAVAILABLE", Message: "busy", Retry: abi.RetryYes, Details: details}),
			Exit{Kind: "UNAVAILABLE", Error: "busy", Retry: abi.RetryYes, Details: details}},
		{"long form, retryable only", abi.AppendErrorObject(nil, abi.ErrorObject{Kind: "TIMEOUT", Message: "slow", Retry: abi.RetryNo}),
			Exit{Kind: "TIMEOUT", Error: "slow", Retry: abi.RetryNo}},
		{"a kind this host does not know", abi.AppendError(nil, "SOMETHING_NEW", "m"),
			Exit{Kind: "UNKNOWN", Error: "m"}},
		{"malformed", []byte{0xd9, 0x69, 0x79, 0x83, 0x60, 0x60, 0xf5},
			Exit{Kind: "UNKNOWN", Error: "process failed"}},
		{"not an error object", abi.AppendString(nil, "boom"),
			Exit{Kind: "UNKNOWN", Error: "process failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := exitOf("{p}", true, tt.value)
			if e.Kind != tt.want.Kind || e.Error != tt.want.Error || e.Retry != tt.want.Retry || !bytes.Equal(e.Details, tt.want.Details) {
				t.Fatalf("exitOf = %+v, want %+v", e, tt.want)
			}
			// The reply to a process.call is the error object, whole.
			d := abi.NewDecoder(e.errorObject())
			if it, err := d.Next(); err != nil || it.Type != abi.TypeTag {
				t.Fatalf("errorObject does not start with the tag: %v", err)
			}
			o, err := d.ReadError(0)
			if err != nil || o.Kind != tt.want.Kind || o.Message != tt.want.Error || o.Retry != tt.want.Retry || !bytes.Equal(o.Details, tt.want.Details) {
				t.Fatalf("errorObject reads back as %+v, %v", o, err)
			}
		})
	}
}
