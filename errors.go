package moonbox

import (
	"context"
	"errors"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/policies"
)

// Kind is the kind of an [Error]: the error kinds of Lua's errors module.
type Kind string

// The error kinds (docs/SPEC.md, Errors).
const (
	KindInvalid          Kind = "INVALID"
	KindNotFound         Kind = "NOT_FOUND"
	KindPermissionDenied Kind = "PERMISSION_DENIED"
	KindAlreadyExists    Kind = "ALREADY_EXISTS"
	KindUnavailable      Kind = "UNAVAILABLE"
	KindInternal         Kind = "INTERNAL"
	KindCanceled         Kind = "CANCELED"
	KindTimeout          Kind = "TIMEOUT"
	KindRateLimited      Kind = "RATE_LIMITED"
	KindUnknown          Kind = "UNKNOWN"
)

// Error is an error with a kind: what the runtime refused (a denied
// permission, a missing process, a full mailbox), a Lua process's error, or
// an error object crossing between Go and Lua. Match kinds with errors.Is
// and the Err* values: errors.Is(err, moonbox.ErrNotFound).
type Error struct {
	Kind    Kind
	Message string
	// Retryable is what err:retryable() says in Lua: nil when the error does
	// not say, else whether trying again may succeed.
	Retryable *bool
	// Details is err:details(): a table of facts about the error, or the
	// zero Value.
	Details Value
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Kind)
	}
	return string(e.Kind) + ": " + e.Message
}

// Is matches an *Error of the same kind whose message is empty (the Err*
// values) or equal.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Message == "" || t.Message == e.Message)
}

// MarshalCBOR writes the error as a Lua error object.
func (e *Error) MarshalCBOR() ([]byte, error) { return e.appendTo(nil) }

func (e *Error) appendTo(b []byte) ([]byte, error) {
	o := abi.ErrorObject{Kind: string(e.Kind), Message: e.Message}
	if e.Retryable != nil {
		o.Retry = abi.RetryNo
		if *e.Retryable {
			o.Retry = abi.RetryYes
		}
	}
	if !e.Details.IsNil() {
		d := e.Details.CBOR()
		if d[0]>>5 != 4 && d[0]>>5 != 5 {
			return nil, &Error{Kind: KindInvalid, Message: "an error's details must be a table"}
		}
		o.Details = d
	}
	return abi.AppendErrorObject(b, o), nil
}

// UnmarshalCBOR reads a Lua error object.
func (e *Error) UnmarshalCBOR(b []byte) error {
	x, ok := Value{raw: b}.Any().(*Error)
	if !ok {
		return errors.New("not an error object")
	}
	*e = *x
	return nil
}

// Values for errors.Is, one per kind.
var (
	ErrInvalid          = &Error{Kind: KindInvalid}
	ErrNotFound         = &Error{Kind: KindNotFound}
	ErrPermissionDenied = &Error{Kind: KindPermissionDenied}
	ErrAlreadyExists    = &Error{Kind: KindAlreadyExists}
	ErrUnavailable      = &Error{Kind: KindUnavailable}
	ErrInternal         = &Error{Kind: KindInternal}
	ErrCanceled         = &Error{Kind: KindCanceled}
	ErrTimeout          = &Error{Kind: KindTimeout}
	ErrRateLimited      = &Error{Kind: KindRateLimited}
)

// KindOf is the kind of any error: an *Error's own, TIMEOUT and CANCELED for
// a context's, PERMISSION_DENIED for a policy's refusal, UNKNOWN otherwise.
func KindOf(err error) Kind {
	var e *Error
	var ve *abi.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Kind
	case errors.As(err, &ve):
		return Kind(ve.Status.Kind())
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, policies.ErrDenied):
		return KindPermissionDenied
	}
	return KindUnknown
}

// wrap turns the host's errors into *Error; a context's error is kept as
// it is, so errors.Is(err, context.DeadlineExceeded) holds.
func wrap(err error) error {
	var ve *abi.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		if ve == nil {
			return nil
		}
		e := &Error{Kind: Kind(ve.Status.Kind()), Message: ve.Message}
		if ve.Retry != abi.RetryUnset {
			r := ve.Retry == abi.RetryYes
			e.Retryable = &r
		}
		if len(ve.Details) > 0 {
			e.Details = Value{raw: ve.Details}
		}
		return e
	case errors.Is(err, host.ErrExited):
		return &Error{Kind: KindUnavailable, Message: "the process has exited"}
	}
	return err
}

// toHostError is a Go handler's error as the host takes it.
func toHostError(err error) error {
	st, ok := abi.StatusOf(string(KindOf(err)))
	if !ok {
		st = abi.Unknown
	}
	ve := &abi.Error{Status: st, Message: err.Error()}
	var e *Error
	if errors.As(err, &e) {
		ve.Message = e.Message
		if e.Retryable != nil {
			ve.Retry = abi.RetryNo
			if *e.Retryable {
				ve.Retry = abi.RetryYes
			}
		}
		if d := e.Details.CBOR(); d[0]>>5 == 4 || d[0]>>5 == 5 {
			ve.Details = d
		}
	}
	return ve
}
