package vm

import (
	"sort"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// spawner is the immutable Spawner of process.with_context: every with_*
// method returns a changed copy, so a spawner can be shared and reused.
type spawner struct {
	context  map[string][]byte // key -> CBOR value
	actor    []byte            // CBOR: a string ID or {id = ..., meta = {...}}
	scope    []string
	hasScope bool
	name     string
	messages []spawnMessage
}

type spawnMessage struct {
	topic   string
	payload []byte
}

const spawnerTypeName = "moonbox.spawner"

func (s spawner) clone() spawner {
	c := s
	if s.context != nil {
		c.context = make(map[string][]byte, len(s.context))
		for k, v := range s.context {
			c.context[k] = v
		}
	}
	c.scope = append([]string(nil), s.scope...)
	c.messages = append([]spawnMessage(nil), s.messages...)
	return c
}

// request encodes a spawn request (abi.Spawn* keys).
func (s spawner) request(id, host string, args []byte, monitor, link, call bool) []byte {
	n := 3
	for _, set := range []bool{monitor, link, call, len(s.context) > 0, s.actor != nil, s.hasScope, s.name != "", len(s.messages) > 0} {
		if set {
			n++
		}
	}
	// Sized for the common request (the keys, the IDs, the arguments) so
	// that it is built in one allocation, not grown three or four times.
	b := abi.AppendMap(make([]byte, 0, 48+len(id)+len(host)+len(args)), n)
	b = abi.AppendString(abi.AppendString(b, abi.SpawnID), id)
	b = abi.AppendString(abi.AppendString(b, abi.SpawnHost), host)
	b = append(abi.AppendString(b, abi.SpawnArgs), args...)
	for _, f := range []struct {
		key string
		on  bool
	}{{abi.SpawnMonitor, monitor}, {abi.SpawnLink, link}, {abi.SpawnCall, call}} {
		if f.on {
			b = abi.AppendBool(abi.AppendString(b, f.key), true)
		}
	}
	// An empty context is no context: it needs no process.context permission.
	if len(s.context) > 0 {
		b = abi.AppendMap(abi.AppendString(b, abi.SpawnContext), len(s.context))
		keys := make([]string, 0, len(s.context))
		for k := range s.context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b = append(abi.AppendString(b, k), s.context[k]...)
		}
	}
	if s.actor != nil {
		b = append(abi.AppendString(b, abi.SpawnActor), s.actor...)
	}
	if s.hasScope {
		b = abi.AppendArray(abi.AppendString(b, abi.SpawnScope), len(s.scope))
		for _, r := range s.scope {
			b = abi.AppendString(b, r)
		}
	}
	if s.name != "" {
		b = abi.AppendString(abi.AppendString(b, abi.SpawnName), s.name)
	}
	if len(s.messages) > 0 {
		b = abi.AppendArray(abi.AppendString(b, abi.SpawnMessages), len(s.messages))
		for _, m := range s.messages {
			b = append(abi.AppendString(abi.AppendArray(b, 2), m.topic), m.payload...)
		}
	}
	return b
}

// spawnArgs reads (id, host, ...) at argument n on.
func spawnArgs(L *lua.LState, n int, fn string) (id, host string, args []byte, err *Error) {
	if id, err = argString(L, n, fn, "process ID"); err != nil {
		return
	}
	if host, err = argString(L, n+1, fn, "host ID"); err != nil {
		return
	}
	if id == "" || host == "" {
		err = abi.Errorf(abi.Invalid, "%s: process ID and host ID must not be empty", fn)
		return
	}
	args, err = encodeArgs(L, n+2)
	return
}

func spawnName(monitor, link bool) string {
	switch {
	case monitor && link:
		return "spawn_linked_monitored"
	case monitor:
		return "spawn_monitored"
	case link:
		return "spawn_linked"
	}
	return "spawn"
}

// spawnFunc is process.spawn* (s zero) or spawner:spawn* (first argument the
// spawner itself).
func (in *Instance) spawnFunc(s spawner, monitor, link bool) lua.LGFunction {
	return func(L *lua.LState) int {
		first, fn := 1, "process."+spawnName(monitor, link)
		if ud, isUD := L.Get(1).(*lua.LUserData); isUD {
			if sp, isSp := ud.Value.(spawner); isSp {
				s, first, fn = sp, 2, "spawner:"+spawnName(monitor, link)
			}
		}
		id, host, args, err := spawnArgs(L, first, fn)
		if err != nil {
			return failure(L, err)
		}
		p := in.current().proc
		pid, err := in.host.Spawn(p.handle, s.request(id, host, args, monitor, link, false))
		if err != nil {
			return failure(L, err)
		}
		L.Push(lua.LString(pid))
		return 1
	}
}

// callFunc is process.call: spawn, wait for the child's exit, return its value
// or nil, err. Only the calling task blocks.
func (in *Instance) callFunc(s spawner) lua.LGFunction {
	return func(L *lua.LState) int {
		id, host, args, err := spawnArgs(L, 1, "process.call")
		if err != nil {
			return failure(L, err)
		}
		t := in.current()
		p := t.proc
		pid, err := in.host.Spawn(p.handle, s.request(id, host, args, false, false, true))
		if err != nil {
			return failure(L, err)
		}
		w := &waiter{t: t}
		r := p.more()
		if r.calls == nil {
			r.calls = map[string]*waiter{}
		}
		r.calls[pid] = w
		return t.await(L, w, finishCall)
	}
}

// finishCall pushes process.call's results: the child's exit value, or nil
// and its error.
func finishCall(_ *task, L *lua.LState, w *waiter) int {
	if !w.ok {
		L.Push(lua.LNil)
		L.Push(w.value)
		return 2
	}
	L.Push(w.value)
	return 1
}

func checkSpawner(L *lua.LState) spawner {
	if ud, isUD := L.Get(1).(*lua.LUserData); isUD {
		if s, isSp := ud.Value.(spawner); isSp {
			return s
		}
	}
	L.ArgError(1, "spawner expected (use spawner:method, not spawner.method)")
	return spawner{}
}

func (in *Instance) spawnerValue(s spawner) lua.LValue {
	ud := in.L.NewUserData()
	ud.Value = s
	ud.Metatable = in.L.GetTypeMetatable(spawnerTypeName)
	return ud
}

// spawnerWith implements with_context on process and on a spawner: argument
// n is the table of values to add.
func (in *Instance) spawnerWith(L *lua.LState, s spawner, what string, n int) int {
	t, isTable := L.Get(n).(*lua.LTable)
	if !isTable {
		return failure(L, abi.Errorf(abi.Invalid, "%s: values must be a table", what))
	}
	c := s.clone()
	if c.context == nil {
		c.context = map[string][]byte{}
	}
	var bad *Error
	t.ForEach(func(k, v lua.LValue) {
		if bad != nil {
			return
		}
		ks, isStr := k.(lua.LString)
		if !isStr {
			bad = abi.Errorf(abi.Invalid, "%s: context keys must be strings", what)
			return
		}
		b, err := encodeValue(v)
		if err != nil {
			bad = abi.Errorf(abi.Invalid, "%s: %s", what, err.Message)
			return
		}
		c.context[string(ks)] = b
	})
	if bad != nil {
		return failure(L, bad)
	}
	L.Push(in.spawnerValue(c))
	return 1
}

func (in *Instance) openSpawner() {
	L := in.L
	mt := L.NewTypeMetatable(spawnerTypeName)
	methods := map[string]lua.LGFunction{
		"with_context": func(L *lua.LState) int {
			return in.spawnerWith(L, checkSpawner(L), "spawner:with_context", 2)
		},
		"with_actor": func(L *lua.LState) int {
			c := checkSpawner(L).clone()
			if a, isActor := asActor(L.Get(2)); isActor { // security.new_actor / security.actor()
				c.actor = a.wire()
				L.Push(in.spawnerValue(c))
				return 1
			}
			switch a := L.Get(2).(type) {
			case lua.LString:
				if a == "" {
					return failure(L, abi.Errorf(abi.Invalid, "spawner:with_actor: actor must not be empty"))
				}
			case *lua.LTable:
				if _, isStr := a.RawGetString("id").(lua.LString); !isStr {
					return failure(L, abi.Errorf(abi.Invalid, "spawner:with_actor: actor table needs a string id"))
				}
			default:
				return failure(L, abi.Errorf(abi.Invalid, "spawner:with_actor: actor must be a string or {id = ..., meta = {...}}"))
			}
			b, err := encodeValue(L.Get(2))
			if err != nil {
				return failure(L, abi.Errorf(abi.Invalid, "spawner:with_actor: %s", err.Message))
			}
			c.actor = b
			L.Push(in.spawnerValue(c))
			return 1
		},
		"with_scope": func(L *lua.LState) int {
			c := checkSpawner(L).clone()
			c.scope, c.hasScope = nil, true
			if sc, isScope := asScope(L.Get(2)); isScope { // security.new_scope / security.scope()
				if len(sc.roles) == 0 {
					return failure(L, abi.Errorf(abi.Invalid, "spawner:with_scope: the scope has no roles (an empty scope would restrict nothing)"))
				}
				c.scope = append([]string(nil), sc.roles...)
				L.Push(in.spawnerValue(c))
				return 1
			}
			switch sc := L.Get(2).(type) {
			case lua.LString:
				c.scope = []string{string(sc)}
			case *lua.LTable:
				var bad bool
				for i := 1; i <= sc.Len(); i++ {
					r, isStr := sc.RawGetInt(i).(lua.LString)
					bad = bad || !isStr
					c.scope = append(c.scope, string(r))
				}
				if bad || len(c.scope) == 0 {
					return failure(L, abi.Errorf(abi.Invalid, "spawner:with_scope: scope must be a role name or a non-empty list of them"))
				}
			default:
				return failure(L, abi.Errorf(abi.Invalid, "spawner:with_scope: scope must be a role name or a list of them"))
			}
			L.Push(in.spawnerValue(c))
			return 1
		},
		"with_name": func(L *lua.LState) int {
			c := checkSpawner(L).clone()
			name, err := argString(L, 2, "spawner:with_name", "name")
			if err != nil {
				return failure(L, err)
			}
			if name == "" {
				return failure(L, abi.Errorf(abi.Invalid, "spawner:with_name: name must not be empty"))
			}
			c.name = name
			L.Push(in.spawnerValue(c))
			return 1
		},
		"with_message": func(L *lua.LState) int {
			c := checkSpawner(L).clone()
			topic, err := argTopic(L, 2, "spawner:with_message")
			if err != nil {
				return failure(L, err)
			}
			payload, err := encodeArgs(L, 3)
			if err != nil {
				return failure(L, err)
			}
			c.messages = append(c.messages, spawnMessage{topic: topic, payload: payload})
			L.Push(in.spawnerValue(c))
			return 1
		},
		"spawn":                  in.spawnFunc(spawner{}, false, false),
		"spawn_monitored":        in.spawnFunc(spawner{}, true, false),
		"spawn_linked":           in.spawnFunc(spawner{}, false, true),
		"spawn_linked_monitored": in.spawnFunc(spawner{}, true, true),
	}
	L.SetField(mt, "__index", L.SetFuncs(L.NewTable(), methods))
	L.SetField(mt, "__metatable", lua.LFalse)
}

// openCtx is the ctx module: a child reads the context its spawner set.
func (in *Instance) openCtx() *lua.LTable {
	L := in.L
	all := func(L *lua.LState) *lua.LTable {
		v, err := decodeValue(L, in.current().proc.rare.context)
		if t, isTable := v.(*lua.LTable); err == nil && isTable {
			return t
		}
		return L.NewTable()
	}
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		// ctx.get(key) -> value | nil, err: NOT_FOUND for a key the spawner
		// did not set (as in Wippy), INVALID for "" or a key that is not a string.
		"get": func(L *lua.LState) int {
			key, err := argString(L, 1, "ctx.get", "key")
			if err != nil {
				return failure(L, err)
			}
			if key == "" {
				return failure(L, abi.Errorf(abi.Invalid, "ctx.get: key must not be empty"))
			}
			v := all(L).RawGetString(key)
			if v == lua.LNil {
				return failure(L, abi.Errorf(abi.NotFound, "ctx.get: no context value %q", key))
			}
			L.Push(v)
			return 1
		},
		"all": func(L *lua.LState) int { L.Push(all(L)); return 1 },
	})
}
