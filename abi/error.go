package abi

import "fmt"

// Error is an error with a kind: what the host returns for a failed import,
// what a source that cannot load is, and what Lua sees as an error object
// (err:kind(), err:message(), err:retryable(), err:details()). It is the
// one error type both sides of the ABI share. It is a value: nothing
// changes it once it is made, so processes may hold it without copying.
type Error struct {
	Status  Status
	Message string
	// Retry is whether retrying may succeed; unset (nil in Lua) unless a
	// program said so with errors.new.
	Retry Retry
	// Details is a table in the wire format, or nil: err:details() decodes
	// a fresh copy each time, so a reader cannot change the error.
	Details []byte
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an Error of the given status.
func Errorf(s Status, format string, args ...any) *Error {
	return &Error{Status: s, Message: fmt.Sprintf(format, args...)}
}

// Object is e as an error object of the wire format: it crosses to other
// processes, exits and call replies whole.
func (e *Error) Object() ErrorObject {
	return ErrorObject{Kind: e.Status.Kind(), Message: e.Message, Retry: e.Retry, Details: e.Details}
}

// ErrorOf is the Error of a wire-format error object; its details are
// copied out of the input. A kind this side does not know is UNKNOWN.
func ErrorOf(o ErrorObject) *Error {
	s, _ := StatusOf(o.Kind)
	e := &Error{Status: s, Message: o.Message, Retry: o.Retry}
	if len(o.Details) > 0 {
		e.Details = append([]byte(nil), o.Details...)
	}
	return e
}
