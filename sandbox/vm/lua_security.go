package vm

import (
	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// The security module (a global, and require("security"), as in Wippy): a
// process reads the identity its policy checks use, and asks the tenant's
// policy about its own rights. It reads, it never widens: the identity and
// every answer come from the host (the security import); the values
// new_actor and new_scope build give nothing by themselves, they are what
// spawner:with_actor/with_scope take, which the host checks
// (process.security).

// actor is a security actor value: actor:id(), actor:meta().
type actor struct {
	id   string
	meta []byte // a table in the wire format, or nil
}

// scope is a security scope value: the roles a process is limited to.
type scope struct{ roles []string }

const (
	actorTypeName = "moonbox.actor"
	scopeTypeName = "moonbox.scope"
)

func (in *Instance) actorValue(a actor) lua.LValue {
	ud := in.L.NewUserData()
	ud.Value = a
	ud.Metatable = in.L.GetTypeMetatable(actorTypeName)
	return ud
}

func (in *Instance) scopeValue(s scope) lua.LValue {
	ud := in.L.NewUserData()
	ud.Value = s
	ud.Metatable = in.L.GetTypeMetatable(scopeTypeName)
	return ud
}

func asActor(v lua.LValue) (actor, bool) {
	if ud, isUD := v.(*lua.LUserData); isUD {
		a, isActor := ud.Value.(actor)
		return a, isActor
	}
	return actor{}, false
}

func asScope(v lua.LValue) (scope, bool) {
	if ud, isUD := v.(*lua.LUserData); isUD {
		s, isScope := ud.Value.(scope)
		return s, isScope
	}
	return scope{}, false
}

func checkActor(L *lua.LState) actor {
	a, ok := asActor(L.Get(1))
	if !ok {
		L.ArgError(1, "actor expected (use actor:method, not actor.method)")
	}
	return a
}

func checkScope(L *lua.LState) scope {
	s, ok := asScope(L.Get(1))
	if !ok {
		L.ArgError(1, "scope expected (use scope:method, not scope.method)")
	}
	return s
}

// wire is the actor as a spawn request's actor: its ID, or {id, meta}.
func (a actor) wire() []byte {
	if len(a.meta) == 0 {
		return abi.AppendString(nil, a.id)
	}
	b := abi.AppendMap(nil, 2)
	b = abi.AppendString(abi.AppendString(b, "id"), a.id)
	return append(abi.AppendString(b, "meta"), a.meta...)
}

// encodeMeta encodes an actor's meta table (nil: none).
func encodeMeta(v lua.LValue, fn string) ([]byte, *Error) {
	switch m := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case *lua.LTable:
		b, err := encodeValue(m)
		if err != nil {
			return nil, abi.Errorf(abi.Invalid, "%s: meta: %s", fn, err.Message)
		}
		return b, nil
	}
	return nil, abi.Errorf(abi.Invalid, "%s: meta must be a table, got %s", fn, typeName(v))
}

// rolesOf reads a scope's roles: a role name or a list of them (nil: none).
func rolesOf(v lua.LValue, fn string) ([]string, *Error) {
	switch r := v.(type) {
	case *lua.LNilType:
		return nil, nil
	case lua.LString:
		if r == "" {
			return nil, abi.Errorf(abi.Invalid, "%s: a role name must not be empty", fn)
		}
		return []string{string(r)}, nil
	case *lua.LTable:
		var roles []string
		n := r.Len()
		count := 0
		r.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if count != n {
			return nil, abi.Errorf(abi.Invalid, "%s: roles must be a list of role names", fn)
		}
		for i := 1; i <= n; i++ {
			s, isStr := r.RawGetInt(i).(lua.LString)
			if !isStr || s == "" {
				return nil, abi.Errorf(abi.Invalid, "%s: role %d must be a non-empty string", fn, i)
			}
			if !contains(roles, string(s)) {
				roles = append(roles, string(s))
			}
		}
		return roles, nil
	}
	return nil, abi.Errorf(abi.Invalid, "%s: roles must be a role name or a list of them, got %s", fn, typeName(v))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// identity asks the host for the calling process's identity.
func (in *Instance) identity(L *lua.LState) (actor, *scope, *Error) {
	p := in.current().proc
	r, err := in.host.Security(p.handle, abi.OpIdentity, "", "")
	if err != nil {
		return actor{}, nil, err
	}
	v, derr := decodeValue(L, []byte(r))
	t, isTable := v.(*lua.LTable)
	id, isStr := lua.LNil, false
	if derr == nil && isTable {
		id = t.RawGetString(abi.IdentityActor)
		_, isStr = id.(lua.LString)
	}
	if !isStr {
		return actor{}, nil, abi.Errorf(abi.Internal, "security: malformed identity from the host")
	}
	a := actor{id: string(id.(lua.LString))}
	if m, isTable := t.RawGetString(abi.IdentityMeta).(*lua.LTable); isTable {
		a.meta, _ = encodeValue(m)
	}
	var s *scope
	if roles, isTable := t.RawGetString(abi.IdentityScope).(*lua.LTable); isTable {
		s = &scope{}
		for i := 1; i <= roles.Len(); i++ {
			if r, isStr := roles.RawGetInt(i).(lua.LString); isStr {
				s.roles = append(s.roles, string(r))
			}
		}
	}
	return a, s, nil
}

func (in *Instance) openSecurity() *lua.LTable {
	L := in.L
	amt := L.NewTypeMetatable(actorTypeName)
	L.SetField(amt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"id": func(L *lua.LState) int { L.Push(lua.LString(checkActor(L).id)); return 1 },
		// actor:meta() is a fresh table each call (empty when none): the
		// reader cannot change the actor.
		"meta": func(L *lua.LState) int {
			a := checkActor(L)
			v := lua.LValue(L.NewTable())
			if len(a.meta) > 0 {
				if m, err := decodeValue(L, a.meta); err == nil {
					v = m
				}
			}
			L.Push(v)
			return 1
		},
	}))
	L.SetField(amt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("actor " + checkActor(L).id))
		return 1
	}))
	L.SetField(amt, "__metatable", lua.LFalse)

	smt := L.NewTypeMetatable(scopeTypeName)
	L.SetField(smt, "__index", L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		// scope:policies() lists its roles (role names: Moonbox's policies
		// are the lines of one file, named by role).
		"policies": func(L *lua.LState) int {
			s := checkScope(L)
			t := L.CreateTable(len(s.roles), 0)
			for i, r := range s.roles {
				t.RawSetInt(i+1, lua.LString(r))
			}
			L.Push(t)
			return 1
		},
		"contains": func(L *lua.LState) int {
			s := checkScope(L)
			L.Push(lua.LBool(contains(s.roles, L.CheckString(2))))
			return 1
		},
		// scope:with(role) and scope:without(role) return a new scope.
		"with": func(L *lua.LState) int {
			s := checkScope(L)
			add, err := rolesOf(L.Get(2), "scope:with")
			if err != nil {
				return failure(L, err)
			}
			roles := append([]string(nil), s.roles...)
			for _, r := range add {
				if !contains(roles, r) {
					roles = append(roles, r)
				}
			}
			L.Push(in.scopeValue(scope{roles: roles}))
			return 1
		},
		"without": func(L *lua.LState) int {
			s := checkScope(L)
			drop, err := rolesOf(L.Get(2), "scope:without")
			if err != nil {
				return failure(L, err)
			}
			var roles []string
			for _, r := range s.roles {
				if !contains(drop, r) {
					roles = append(roles, r)
				}
			}
			L.Push(in.scopeValue(scope{roles: roles}))
			return 1
		},
	}))
	L.SetField(smt, "__metatable", lua.LFalse)

	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		// security.actor() -> the actor policy checks use: the source ID
		// unless a spawner set one (with_actor), then that one and its meta.
		"actor": func(L *lua.LState) int {
			a, _, err := in.identity(L)
			if err != nil {
				return failure(L, err)
			}
			L.Push(in.actorValue(a))
			return 1
		},
		// security.scope() -> nil when no spawner set one, else the scope.
		"scope": func(L *lua.LState) int {
			_, s, err := in.identity(L)
			if err != nil {
				return failure(L, err)
			}
			if s == nil {
				L.Push(lua.LNil)
				return 1
			}
			L.Push(in.scopeValue(*s))
			return 1
		},
		"new_actor": func(L *lua.LState) int {
			id, err := argString(L, 1, "security.new_actor", "id")
			if err != nil {
				return failure(L, err)
			}
			if id == "" {
				return failure(L, abi.Errorf(abi.Invalid, "security.new_actor: id must not be empty"))
			}
			meta, err := encodeMeta(L.Get(2), "security.new_actor")
			if err != nil {
				return failure(L, err)
			}
			L.Push(in.actorValue(actor{id: id, meta: meta}))
			return 1
		},
		"new_scope": func(L *lua.LState) int {
			roles, err := rolesOf(L.Get(1), "security.new_scope")
			if err != nil {
				return failure(L, err)
			}
			L.Push(in.scopeValue(scope{roles: roles}))
			return 1
		},
		// security.can(action, resource, meta?) -> boolean: the tenant's
		// policy, asked by the host for this process's actor and scope. The
		// policy decides on (actor, action, resource) alone, so meta cannot
		// change the answer; it is accepted for Wippy's scripts.
		"can": func(L *lua.LState) int {
			p := in.current().proc
			action, err := argString(L, 1, "security.can", "action")
			if err != nil {
				return failure(L, err)
			}
			resource, err := argString(L, 2, "security.can", "resource")
			if err != nil {
				return failure(L, err)
			}
			if _, err := encodeMeta(L.Get(3), "security.can"); err != nil {
				return failure(L, err)
			}
			r, err := in.host.Security(p.handle, abi.OpCan, action, resource)
			if err != nil {
				return failure(L, err)
			}
			L.Push(lua.LBool(r != ""))
			return 1
		},
	})
}
