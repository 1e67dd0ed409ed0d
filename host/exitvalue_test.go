package host

import (
	"encoding/json"

	"github.com/fxamacker/cbor/v2"
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
