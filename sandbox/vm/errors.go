package vm

import (
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// Error is the ABI's error type: what the host returns and what Lua sees
// as an error object.
type Error = abi.Error

// appendError appends e as a wire-format error object.
func appendError(b []byte, e *Error) []byte { return abi.AppendErrorObject(b, e.Object()) }

const errorTypeName = "moonbox.error"

// pushError pushes the Lua error object for e.
func pushError(L *lua.LState, e *Error) {
	L.Push(newErrorValue(L, e))
}

func newErrorValue(L *lua.LState, e *Error) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = e
	ud.Metatable = L.GetTypeMetatable(errorTypeName)
	return ud
}

// failure returns the conventional nil, err pair of a failed API call.
func failure(L *lua.LState, e *Error) int {
	L.Push(lua.LNil)
	pushError(L, e)
	return 2
}

// toError converts whatever a Lua program raised or returned as an error into
// an Error: an error object keeps its kind, anything else is UNKNOWN.
func toError(v lua.LValue) *Error {
	if e := asError(v); e != nil {
		return e
	}
	if s, ok := v.(lua.LString); ok {
		return &Error{Status: abi.Unknown, Message: string(s)}
	}
	return &Error{Status: abi.Unknown, Message: v.String()}
}

// asError is v's Error if v is an error object, else nil.
func asError(v lua.LValue) *Error {
	if ud, ok := v.(*lua.LUserData); ok {
		if e, ok := ud.Value.(*Error); ok {
			return e
		}
	}
	return nil
}

func checkError(L *lua.LState, n int) *Error {
	if e := asError(L.Get(n)); e != nil {
		return e
	}
	L.ArgError(n, "error object expected")
	return nil
}

// kindList is the kinds for messages: "INVALID, NOT_FOUND, ...".
var kindList = strings.Join(abi.Kinds(), ", ")

// openErrors registers the error object type and the global errors module.
func openErrors(L *lua.LState) *lua.LTable {
	mt := L.NewTypeMetatable(errorTypeName)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"kind":    func(L *lua.LState) int { L.Push(lua.LString(checkError(L, 1).Status.Kind())); return 1 },
		"message": func(L *lua.LState) int { L.Push(lua.LString(checkError(L, 1).Message)); return 1 },
		// err:retryable() -> true | false | nil (the error does not say).
		"retryable": func(L *lua.LState) int {
			switch checkError(L, 1).Retry {
			case abi.RetryYes:
				L.Push(lua.LTrue)
			case abi.RetryNo:
				L.Push(lua.LFalse)
			default:
				L.Push(lua.LNil)
			}
			return 1
		},
		// err:details() -> a fresh table each call, or nil.
		"details": func(L *lua.LState) int {
			e := checkError(L, 1)
			if len(e.Details) == 0 {
				L.Push(lua.LNil)
				return 1
			}
			v, err := decodeValue(L, e.Details)
			if err != nil { // cannot happen: details were checked when made or received
				v = lua.LNil
			}
			L.Push(v)
			return 1
		},
	})
	L.SetField(mt, "__index", methods)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(checkError(L, 1).Message))
		return 1
	}))
	L.SetField(mt, "__metatable", lua.LFalse)

	mod := L.NewTable()
	for _, k := range abi.Kinds() {
		L.SetField(mod, k, lua.LString(k))
	}
	L.SetField(mod, "is", L.NewFunction(func(L *lua.LState) int {
		e := asError(L.Get(1))
		L.Push(lua.LBool(e != nil && e.Status.Kind() == L.CheckString(2)))
		return 1
	}))
	// errors.new{message = ..., kind = ..., retryable = ..., details = ...}
	// (Wippy's form), errors.new(message) (kind UNKNOWN) or
	// errors.new(kind, message): an error object a program can return,
	// raise and send; all of it survives exits, replies and messages.
	L.SetField(mod, "new", L.NewFunction(func(L *lua.LState) int {
		var e *Error
		var bad *Error
		switch a := L.Get(1).(type) {
		case *lua.LTable:
			e, bad = errorFromTable(a)
		case lua.LString:
			if L.GetTop() >= 2 {
				s, known := abi.StatusOf(string(a))
				msg, isStr := L.Get(2).(lua.LString)
				switch {
				case !known || s == abi.OK:
					bad = abi.Errorf(abi.Invalid, "errors.new: unknown error kind %q; the kinds are %s", string(a), kindList)
				case !isStr:
					bad = abi.Errorf(abi.Invalid, "errors.new: message must be a string, got %s", typeName(L.Get(2)))
				default:
					e = &Error{Status: s, Message: string(msg)}
				}
			} else {
				e = &Error{Status: abi.Unknown, Message: string(a)}
			}
		default:
			bad = abi.Errorf(abi.Invalid, "errors.new: a message or a table {message = ..., kind = ..., retryable = ..., details = ...} expected, got %s", typeName(L.Get(1)))
		}
		if bad != nil {
			return failure(L, bad)
		}
		pushError(L, e)
		return 1
	}))
	// errors.wrap(err, message): err with message in front of its own
	// ("message: err's message"), keeping its kind, retryable flag and
	// details. A value that is not an error object is wrapped as UNKNOWN;
	// nil stays nil, so `return nil, errors.wrap(err, ...)` passes success on.
	L.SetField(mod, "wrap", L.NewFunction(func(L *lua.LState) int {
		v := L.Get(1)
		if v == lua.LNil {
			L.Push(lua.LNil)
			return 1
		}
		msg, isStr := L.Get(2).(lua.LString)
		if !isStr {
			return failure(L, abi.Errorf(abi.Invalid, "errors.wrap: message must be a string, got %s", typeName(L.Get(2))))
		}
		inner := toError(v)
		w := *inner
		w.Message = string(msg) + ": " + inner.Message
		pushError(L, &w)
		return 1
	}))
	return mod
}

// errorFromTable reads errors.new's table form.
func errorFromTable(t *lua.LTable) (*Error, *Error) {
	msg, isStr := t.RawGetString("message").(lua.LString)
	if !isStr {
		return nil, abi.Errorf(abi.Invalid, "errors.new: message must be a string, got %s", typeName(t.RawGetString("message")))
	}
	e := &Error{Status: abi.Unknown, Message: string(msg)}
	switch k := t.RawGetString("kind").(type) {
	case *lua.LNilType:
	case lua.LString:
		s, known := abi.StatusOf(string(k))
		if !known || s == abi.OK {
			return nil, abi.Errorf(abi.Invalid, "errors.new: unknown error kind %q; the kinds are %s", string(k), kindList)
		}
		e.Status = s
	default:
		return nil, abi.Errorf(abi.Invalid, "errors.new: kind must be a string, got %s", typeName(k))
	}
	switch r := t.RawGetString("retryable").(type) {
	case *lua.LNilType:
	case lua.LBool:
		e.Retry = abi.RetryNo
		if r {
			e.Retry = abi.RetryYes
		}
	default:
		return nil, abi.Errorf(abi.Invalid, "errors.new: retryable must be a boolean, got %s", typeName(r))
	}
	switch d := t.RawGetString("details").(type) {
	case *lua.LNilType:
	case *lua.LTable:
		// One level less than a message may nest: the error object
		// counts as a table around its details.
		enc := encoder{depth: 1}
		if err := enc.table(d); err != nil {
			return nil, abi.Errorf(abi.Invalid, "errors.new: details: %s", err.Message)
		}
		e.Details = enc.buf
	default:
		return nil, abi.Errorf(abi.Invalid, "errors.new: details must be a table, got %s", typeName(d))
	}
	return e, nil
}
