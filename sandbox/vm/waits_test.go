package vm

import (
	"reflect"
	"strings"
	"testing"
)

func TestWaitsRoundTrip(t *testing.T) {
	in := []ProcessWaits{
		{Process: 1, Waits: []string{"receive on its inbox", "coroutine: a timer (time.sleep or time.after)"}},
		{Process: 1<<32 - 1, Waits: nil},
	}
	out, err := DecodeWaits(EncodeWaits(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Process != 1 || !reflect.DeepEqual(out[0].Waits, in[0].Waits) || out[1].Process != 1<<32-1 || len(out[1].Waits) != 0 {
		t.Errorf("round trip: %+v", out)
	}
	long := strings.Repeat("x", 2*maxWaitText)
	out, err = DecodeWaits(EncodeWaits([]ProcessWaits{{Process: 2, Waits: []string{long}}}))
	if err != nil || len(out[0].Waits[0]) != maxWaitText {
		t.Errorf("a long text is not cut to %d bytes: %v", maxWaitText, err)
	}
	for _, bad := range [][]byte{nil, {0xa0}, {0x81}, {0x81, 0x82, 0x01}, {0x81, 0x82, 0x20, 0x80}, {0x81, 0x82, 0x01, 0x81, 0x01}} {
		if _, err := DecodeWaits(bad); err == nil {
			t.Errorf("DecodeWaits(%x): no error", bad)
		}
	}
}

// FuzzDecodeWaits: what a guest reports is untrusted; decoding never panics.
func FuzzDecodeWaits(f *testing.F) {
	f.Add(EncodeWaits([]ProcessWaits{{Process: 3, Waits: []string{"runnable"}}}))
	f.Add([]byte{0x81, 0x82, 0x01, 0x9f})
	f.Fuzz(func(t *testing.T, b []byte) {
		ws, err := DecodeWaits(b)
		if err == nil {
			for _, w := range ws {
				for _, s := range w.Waits {
					if len(s) > maxWaitText {
						t.Fatalf("text of %d bytes", len(s))
					}
				}
			}
		}
	})
}
