package vm

import (
	"fmt"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// Error is an error with a kind: what the host returns for a failed call and
// what Lua sees as an error object (err:kind(), err:message()).
type Error struct {
	Status  abi.Status
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an Error of the given status.
func Errorf(s abi.Status, format string, args ...any) *Error {
	return &Error{Status: s, Message: fmt.Sprintf(format, args...)}
}

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
	if ud, ok := v.(*lua.LUserData); ok {
		if e, ok := ud.Value.(*Error); ok {
			return e
		}
	}
	if s, ok := v.(lua.LString); ok {
		return &Error{Status: abi.Unknown, Message: string(s)}
	}
	return &Error{Status: abi.Unknown, Message: v.String()}
}

func checkError(L *lua.LState, n int) *Error {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if e, ok := ud.Value.(*Error); ok {
			return e
		}
	}
	L.ArgError(n, "error object expected")
	return nil
}

// openErrors registers the error object type and the global errors module.
func openErrors(L *lua.LState) *lua.LTable {
	mt := L.NewTypeMetatable(errorTypeName)
	methods := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"kind":    func(L *lua.LState) int { L.Push(lua.LString(checkError(L, 1).Status.Kind())); return 1 },
		"message": func(L *lua.LState) int { L.Push(lua.LString(checkError(L, 1).Message)); return 1 },
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
		ud, ok := L.Get(1).(*lua.LUserData)
		var e *Error
		if ok {
			e, _ = ud.Value.(*Error)
		}
		L.Push(lua.LBool(e != nil && e.Status.Kind() == L.CheckString(2)))
		return 1
	}))
	// errors.new(kind, message) or errors.new(message): an error object a
	// program can return or raise; its kind survives exits and messages.
	L.SetField(mod, "new", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() >= 2 {
			s, ok := abi.StatusOf(L.CheckString(1))
			if !ok || s == abi.OK {
				L.ArgError(1, "unknown error kind")
			}
			pushError(L, &Error{Status: s, Message: L.CheckString(2)})
			return 1
		}
		pushError(L, &Error{Status: abi.Unknown, Message: L.CheckString(1)})
		return 1
	}))
	return mod
}
