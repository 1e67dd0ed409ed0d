package lua

import "testing"

// TestSkipStackTrace: with SkipStackTrace a failed PCall leaves the error's
// StackTrace empty (and its message with its position); without, it is
// built as upstream does.
func TestSkipStackTrace(t *testing.T) {
	for _, skip := range []bool{false, true} {
		L := NewState(Options{SkipStackTrace: skip})
		fn, err := L.LoadString(`local function f() error("boom") end f()`)
		if err != nil {
			t.Fatal(err)
		}
		L.Push(fn)
		err = L.PCall(0, 0, nil)
		ae, ok := err.(*ApiError)
		if !ok {
			t.Fatalf("skip=%v: PCall returned %v, want an *ApiError", skip, err)
		}
		if got := ae.Object.String(); got != "<string>:1: boom" {
			t.Errorf("skip=%v: error %q, want its position kept", skip, got)
		}
		if (ae.StackTrace == "") != skip {
			t.Errorf("skip=%v: stack trace %q", skip, ae.StackTrace)
		}
		L.Close()
	}
}
