package vm

import (
	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

const (
	channelTypeName = "moonbox.channel"
	caseTypeName    = "moonbox.case"
)

// channelValue is the Lua value of c: always the same userdata, so channels
// compare equal in Lua (select results, process.inbox() on every call).
func (in *Instance) channelValue(c *channel) lua.LValue {
	if c.ud == nil {
		c.ud = in.L.NewUserData()
		c.ud.Value = c
		c.ud.Metatable = in.channelMT
	}
	return c.ud
}

func toChannel(v lua.LValue) (*channel, bool) {
	if ud, isUD := v.(*lua.LUserData); isUD {
		c, isCh := ud.Value.(*channel)
		return c, isCh
	}
	return nil, false
}

func checkChannel(L *lua.LState) *channel {
	c, isCh := toChannel(L.Get(1))
	if !isCh {
		L.ArgError(1, "channel expected (use ch:method, not ch.method)")
	}
	return c
}

// openChannel registers the channel type and returns the channel module.
func (in *Instance) openChannel() *lua.LTable {
	L := in.L
	mt := L.NewTypeMetatable(channelTypeName)
	in.channelMT = mt
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"send": func(L *lua.LState) int {
			return checkChannel(L).send(L, in.current(), L.Get(2))
		},
		"receive": func(L *lua.LState) int {
			return checkChannel(L).receive(L, in.current())
		},
		"close": func(L *lua.LState) int {
			c := checkChannel(L)
			if c.closed {
				L.RaiseError("close of a closed channel")
			}
			c.close()
			return ok(L)
		},
		"case_receive": func(L *lua.LState) int {
			// The same value every time: a server's loop selects over the
			// same channels per message, and each new case cost an
			// allocation or two the guest's collector scanned later.
			c := checkChannel(L)
			if c.recv == nil {
				c.recv = in.caseValue(selectCase{ch: c})
			}
			L.Push(c.recv)
			return 1
		},
		"case_send": func(L *lua.LState) int {
			L.Push(in.caseValue(selectCase{ch: checkChannel(L), send: true, value: L.Get(2)}))
			return 1
		},
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("channel")); return 1 }))
	L.SetField(mt, "__metatable", lua.LFalse)
	cmt := L.NewTypeMetatable(caseTypeName)
	in.caseMT = cmt
	L.SetField(cmt, "__metatable", lua.LFalse)

	mmt := L.NewTypeMetatable(messageTypeName)
	in.messageMT = mmt
	L.SetField(mmt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"topic": func(L *lua.LState) int { L.Push(checkMessage(L).topicValue()); return 1 },
		"from":  func(L *lua.LState) int { L.Push(checkMessage(L).fromValue()); return 1 },
		"payload": func(L *lua.LState) int {
			n, err := decodePush(L, checkMessage(L).payload)
			if err != nil {
				L.RaiseError("malformed payload: %v", err)
			}
			return n
		},
	}))
	L.SetField(mmt, "__metatable", lua.LFalse)

	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"new": func(L *lua.LState) int {
			size := 0
			switch n := L.Get(1).(type) {
			case *lua.LNilType:
			case lua.LNumber:
				if float64(n) < 0 || float64(n) != float64(int(n)) || n > 1<<20 {
					return failure(L, abi.Errorf(abi.Invalid, "channel.new: size must be an integer from 0 to 1048576"))
				}
				size = int(n)
			default:
				return failure(L, abi.Errorf(abi.Invalid, "channel.new: size must be an integer"))
			}
			L.Push(in.channelValue(newChannel(size)))
			return 1
		},
		"select": func(L *lua.LState) int { return in.selectFunc(L) },
	})
}

func checkMessage(L *lua.LState) *message {
	if ud, isUD := L.Get(1).(*lua.LUserData); isUD {
		if m, isMsg := ud.Value.(*message); isMsg {
			return m
		}
	}
	L.ArgError(1, "message expected (use msg:method, not msg.method)")
	return nil
}

func (in *Instance) caseValue(c selectCase) *lua.LUserData {
	ud := in.L.NewUserData()
	ud.Value = c
	ud.Metatable = in.caseMT
	return ud
}

// selectFunc is channel.select{case..., default = bool}.
func (in *Instance) selectFunc(L *lua.LState) int {
	t, isTable := L.Get(1).(*lua.LTable)
	if !isTable {
		return failure(L, abi.Errorf(abi.Invalid, "channel.select: a table of cases expected"))
	}
	n := t.Len()
	cases := make([]selectCase, 0, n)
	for i := 1; i <= n; i++ {
		ud, isUD := t.RawGetInt(i).(*lua.LUserData)
		var c selectCase
		isCase := false
		if isUD {
			c, isCase = ud.Value.(selectCase)
		}
		if !isCase {
			return failure(L, abi.Errorf(abi.Invalid, "channel.select: case %d is not a ch:case_receive() or ch:case_send(v)", i))
		}
		cases = append(cases, c)
	}
	dflt := lua.LVAsBool(t.RawGetString("default"))
	if len(cases) == 0 && !dflt {
		return failure(L, abi.Errorf(abi.Invalid, "channel.select: no cases and no default would block forever"))
	}
	return in.current().selectCases(L, cases, dflt)
}
