package vm

import (
	"strings"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// current is the task holding the baton: the caller of any Lua function.
func (in *Instance) current() *task { return in.sched.current }

// argString returns argument n as a string, or an INVALID error naming fn.
func argString(L *lua.LState, n int, fn, what string) (string, *Error) {
	s, ok := L.Get(n).(lua.LString)
	if !ok {
		return "", abi.Errorf(abi.Invalid, "%s: %s must be a string, got %s", fn, what, typeName(L.Get(n)))
	}
	return string(s), nil
}

// argTopic checks a user topic: non-empty, not reserved.
func argTopic(L *lua.LState, n int, fn string) (string, *Error) {
	topic, err := argString(L, n, fn, "topic")
	if err != nil {
		return "", err
	}
	if topic == "" {
		return "", abi.Errorf(abi.Invalid, "%s: topic must not be empty", fn)
	}
	if strings.HasPrefix(topic, "@") {
		return "", abi.Errorf(abi.Invalid, "%s: topic %q is reserved (topics starting with @ belong to the runtime)", fn, topic)
	}
	if len(topic) > abi.MaxTopic {
		return "", abi.Errorf(abi.Invalid, "%s: topic longer than %d bytes", fn, abi.MaxTopic)
	}
	return topic, nil
}

// rest returns the arguments from n on.
func rest(L *lua.LState, n int) []lua.LValue {
	top := L.GetTop()
	if top < n {
		return nil
	}
	vs := make([]lua.LValue, 0, top-n+1)
	for i := n; i <= top; i++ {
		vs = append(vs, L.Get(i))
	}
	return vs
}

func ok(L *lua.LState) int { L.Push(lua.LTrue); return 1 }

// parseDeadline reads a cancel deadline: a duration string ("5s", "1m30s")
// or integer milliseconds.
func parseDeadline(v lua.LValue) (int64, *Error) {
	switch v := v.(type) {
	case *lua.LNilType:
		return -1, nil
	case lua.LNumber:
		f := float64(v)
		if f != float64(int64(f)) || f < 0 || f > abi.MaxDurationMs {
			return 0, abi.Errorf(abi.Invalid, "deadline must be an integer of milliseconds from 0 to %d, or a duration string", int64(abi.MaxDurationMs))
		}
		return int64(f), nil
	case lua.LString:
		d, err := time.ParseDuration(string(v))
		if err != nil || d < 0 || d.Milliseconds() > abi.MaxDurationMs {
			return 0, abi.Errorf(abi.Invalid, "invalid duration %q (examples: \"5s\", \"250ms\", \"1m30s\"; at most a year)", string(v))
		}
		return d.Milliseconds(), nil
	}
	return 0, abi.Errorf(abi.Invalid, "deadline must be a duration string or integer milliseconds, got %s", typeName(v))
}

func (in *Instance) openProcess() *lua.LTable {
	L := in.L
	mod := L.NewTable()
	fns := map[string]lua.LGFunction{
		"pid": func(L *lua.LState) int { L.Push(in.current().proc.pidLValue()); return 1 },
		"id":  func(L *lua.LState) int { L.Push(lua.LString(in.current().proc.id)); return 1 },
		"send": func(L *lua.LState) int {
			p := in.current().proc
			dest, err := argString(L, 1, "process.send", "destination")
			if err != nil {
				return failure(L, err)
			}
			topic, err := argTopic(L, 2, "process.send")
			if err != nil {
				return failure(L, err)
			}
			payload, err := encodeArgs(L, 3)
			if err != nil {
				return failure(L, err)
			}
			local, err := in.host.Send(p.handle, dest, topic, payload)
			if err != nil && err.Status == abi.Unavailable && in.reportConsumed() {
				// The mailbox may be full only of messages taken this step.
				local, err = in.host.Send(p.handle, dest, topic, payload)
			}
			if err != nil {
				return failure(L, err)
			}
			if local != 0 {
				in.deliverLocal(p, local, topic, L.Get(2), payload)
			}
			return ok(L)
		},
		"spawn":                  in.spawnFunc(spawner{}, false, false),
		"spawn_monitored":        in.spawnFunc(spawner{}, true, false),
		"spawn_linked":           in.spawnFunc(spawner{}, false, true),
		"spawn_linked_monitored": in.spawnFunc(spawner{}, true, true),
		"call":                   in.callFunc(spawner{}),
		"inbox": func(L *lua.LState) int {
			L.Push(in.channelValue(in.current().proc.subscribeInbox()))
			return 1
		},
		"events": func(L *lua.LState) int {
			L.Push(in.channelValue(in.current().proc.subscribeEvents()))
			return 1
		},
		"listen": func(L *lua.LState) int {
			p := in.current().proc
			topic, err := argTopic(L, 1, "process.listen")
			if err != nil {
				return failure(L, err)
			}
			messages := false
			switch o := L.Get(2).(type) {
			case *lua.LNilType:
			case *lua.LTable:
				messages = lua.LVAsBool(o.RawGetString("message"))
			default:
				return failure(L, abi.Errorf(abi.Invalid, "process.listen: options must be a table"))
			}
			// Listening again returns the same channel (as in Wippy), if it
			// asks for the same form: one channel cannot deliver both raw
			// payloads and Message objects.
			if l := p.rare.listeners[topic]; l != nil {
				if l.messages != messages {
					return failure(L, abi.Errorf(abi.Invalid, "process.listen: topic %q already has a listener with message = %t; listen with the same options, or unlisten it first", topic, l.messages))
				}
				L.Push(in.channelValue(l.ch))
				return 1
			}
			l := &listener{ch: newChannel(-1), messages: messages}
			l.ch.owner = p
			l.ch.raw = !l.messages
			p.subscribeTopic(topic, l)
			L.Push(in.channelValue(l.ch))
			return 1
		},
		"unlisten": func(L *lua.LState) int {
			p := in.current().proc
			ch, isCh := toChannel(L.Get(1))
			if !isCh {
				return failure(L, abi.Errorf(abi.Invalid, "process.unlisten: a channel returned by process.listen expected"))
			}
			for topic, l := range p.rare.listeners {
				if l.ch == ch {
					delete(p.rare.listeners, topic)
					ch.close()
					return ok(L)
				}
			}
			return failure(L, abi.Errorf(abi.NotFound, "process.unlisten: channel is not a listener of this process"))
		},
		"terminate": in.controlFunc("process.terminate", abi.OpTerminate),
		"monitor":   in.controlFunc("process.monitor", abi.OpMonitor),
		"unmonitor": in.controlFunc("process.unmonitor", abi.OpUnmonitor),
		"link":      in.controlFunc("process.link", abi.OpLink),
		"unlink":    in.controlFunc("process.unlink", abi.OpUnlink),
		"cancel": func(L *lua.LState) int {
			p := in.current().proc
			dest, err := argString(L, 1, "process.cancel", "destination")
			if err != nil {
				return failure(L, err)
			}
			ms, err := parseDeadline(L.Get(2))
			if err != nil {
				err.Message = "process.cancel: " + err.Message
				return failure(L, err)
			}
			if _, err := in.host.Control(p.handle, abi.OpCancel, dest, ms); err != nil {
				return failure(L, err)
			}
			return ok(L)
		},
		"get_options": func(L *lua.LState) int {
			p := in.current().proc
			t := L.NewTable()
			t.RawSetString("trap_links", lua.LBool(p.trapLinks))
			L.Push(t)
			return 1
		},
		"set_options": func(L *lua.LState) int {
			p := in.current().proc
			opts, isTable := L.Get(1).(*lua.LTable)
			if !isTable {
				return failure(L, abi.Errorf(abi.Invalid, "process.set_options: options must be a table"))
			}
			var bad *Error
			trap, set := p.trapLinks, false
			opts.ForEach(func(k, v lua.LValue) {
				switch {
				case bad != nil:
				case k == lua.LString("trap_links"):
					b, isBool := v.(lua.LBool)
					if !isBool {
						bad = abi.Errorf(abi.Invalid, "process.set_options: trap_links must be a boolean")
						return
					}
					trap, set = bool(b), true
				default:
					bad = abi.Errorf(abi.Invalid, "process.set_options: unknown option %s", k.String())
				}
			})
			if bad != nil {
				return failure(L, bad)
			}
			if set {
				arg := int64(0)
				if trap {
					arg = 1
				}
				if _, err := in.host.Control(p.handle, abi.OpTrapLinks, "", arg); err != nil {
					return failure(L, err)
				}
				p.trapLinks = trap
			}
			return ok(L)
		},
		"with_context": func(L *lua.LState) int {
			return in.spawnerWith(L, spawner{}, "with_context", 1)
		},
		"upgrade": in.upgradeFunc,
	}
	L.SetFuncs(mod, fns)
	L.SetField(mod, "exec", mod.RawGetString("call"))
	ev := L.NewTable()
	for _, k := range []abi.EventKind{abi.EventCancel, abi.EventExit, abi.EventLinkDown} {
		L.SetField(ev, k.Name(), lua.LString(k.Name()))
	}
	L.SetField(mod, "event", ev)
	L.SetField(mod, "registry", in.openRegistry())
	return mod
}

func (in *Instance) controlFunc(fn string, op abi.ControlOp) lua.LGFunction {
	return func(L *lua.LState) int {
		p := in.current().proc
		dest, err := argString(L, 1, fn, "destination")
		if err != nil {
			return failure(L, err)
		}
		r, err := in.host.Control(p.handle, op, dest, 0)
		if err != nil {
			return failure(L, err)
		}
		if op == abi.OpTerminate && r == abi.TerminateSelf {
			p.kill(errTerminated)
			L.RaiseError("%s", errTerminated.Message)
		}
		return ok(L)
	}
}

var errTerminated = &Error{Status: abi.Canceled, Message: "terminated"}

func (in *Instance) openRegistry() *lua.LTable {
	L := in.L
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"register": func(L *lua.LState) int {
			p := in.current().proc
			name, err := argString(L, 1, "process.registry.register", "name")
			if err != nil {
				return failure(L, err)
			}
			pid := ""
			if L.Get(2) != lua.LNil {
				if pid, err = argString(L, 2, "process.registry.register", "pid"); err != nil {
					return failure(L, err)
				}
			}
			if name == "" {
				return failure(L, abi.Errorf(abi.Invalid, "process.registry.register: name must not be empty"))
			}
			if _, err := in.host.Registry(p.handle, abi.OpRegister, name, pid); err != nil {
				return failure(L, err)
			}
			return ok(L)
		},
		"lookup": func(L *lua.LState) int {
			p := in.current().proc
			name, err := argString(L, 1, "process.registry.lookup", "name")
			if err != nil {
				return failure(L, err)
			}
			pid, err := in.host.Registry(p.handle, abi.OpLookup, name, "")
			if err != nil {
				return failure(L, err)
			}
			L.Push(lua.LString(pid))
			return 1
		},
		"unregister": func(L *lua.LState) int {
			p := in.current().proc
			name, err := argString(L, 1, "process.registry.unregister", "name")
			if err != nil {
				return failure(L, err)
			}
			r, err := in.host.Registry(p.handle, abi.OpUnregister, name, "")
			if err != nil {
				return failure(L, err)
			}
			L.Push(lua.LBool(r != ""))
			return 1
		},
	})
}
