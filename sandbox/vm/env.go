package vm

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/parse"
)

// The sandboxed standard library (SPEC.md): string, table, math, coroutine,
// os.time/clock/date/difftime, print, require of bundle modules, and the
// Moonbox modules. No io, no os.execute, no filesystem, no debug, no
// setfenv/getfenv (they would let one process reach another's globals).
// gopher-lua cannot load bytecode, so load/loadstring take source only.

// libraries are the shared tables every process reads and none may change:
// a process could otherwise monkey-patch string or process for its neighbours.
var libraries = []string{"string", "table", "math", "coroutine", "os", "process", "channel", "time", "errors", "ctx", "security"}

// builtinModules are the libraries require also returns, the same shared
// table as the global: Wippy's scripts load them with require("time"),
// require("ctx"), require("security"). A bundle module of one of these
// names cannot be required.
var builtinModules = map[string]bool{"process": true, "channel": true, "time": true, "errors": true, "ctx": true, "security": true}

var removedGlobals = []string{"dofile", "loadfile", "module", "setfenv", "getfenv", "_printregs", "newproxy"}

func (in *Instance) openLibraries() {
	L := in.L
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
		{lua.OsLibName, lua.OpenOs},
	} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	for _, name := range removedGlobals {
		L.SetGlobal(name, lua.LNil)
	}
	// string.dump would hand out bytecode: nothing may load or produce it.
	L.GetGlobal("string").(*lua.LTable).RawSetString("dump", lua.LNil)
	full := L.GetGlobal("os").(*lua.LTable)
	os := L.NewTable()
	for _, name := range []string{"time", "clock", "date", "difftime"} {
		os.RawSetString(name, full.RawGetString(name))
	}
	L.SetGlobal("os", os)
	L.SetGlobal("print", L.NewFunction(in.print))
	L.SetGlobal("assert", L.NewFunction(assertFunc))
	L.SetGlobal("require", L.NewFunction(in.require))
	L.SetGlobal("collectgarbage", L.NewFunction(collectGarbage))
	in.patchCoroutine(L.GetGlobal("coroutine").(*lua.LTable))
	in.capBuiltins()
	in.chargeBuiltins()

	L.SetGlobal("errors", openErrors(L))
	L.SetGlobal("channel", in.openChannel())
	L.SetGlobal("time", in.openTime())
	in.openSpawner()
	L.SetGlobal("process", in.openProcess())
	L.SetGlobal("ctx", in.openCtx())
	L.SetGlobal("security", in.openSecurity())

	// The string metatable is shared by every process: hide it.
	if mt, isTable := L.GetMetatable(lua.LString("")).(*lua.LTable); isTable {
		mt.RawSetString("__metatable", lua.LFalse)
	}

	// Processes share the library tables read-only: each library is replaced
	// by a frozen proxy, and the raw mutators refuse frozen tables.
	shared := L.G.Global
	in.frozen = map[*lua.LTable]bool{}
	for _, name := range libraries {
		shared.RawSetString(name, in.freeze(shared.RawGetString(name).(*lua.LTable)))
	}
	in.guardMutators()
	in.envMeta = L.NewTable()
	in.envMeta.RawSetString("__metatable", lua.LFalse)
	in.envMeta.RawSetString("__index", shared)
}

// freeze returns a read-only proxy of t (and of the tables nested in it): an
// empty table whose reads go to t and whose writes raise an error. The proxy
// is what processes see; t itself is never handed out.
func (in *Instance) freeze(t *lua.LTable) *lua.LTable {
	return in.freezeSeen(t, map[*lua.LTable]*lua.LTable{})
}

func (in *Instance) freezeSeen(t *lua.LTable, seen map[*lua.LTable]*lua.LTable) *lua.LTable {
	if p, done := seen[t]; done {
		return p
	}
	L := in.L
	proxy := L.NewTable()
	seen[t] = proxy
	var nested []lua.LValue
	t.ForEach(func(k, v lua.LValue) {
		if _, isTable := v.(*lua.LTable); isTable {
			nested = append(nested, k)
		}
	})
	for _, k := range nested {
		t.RawSet(k, in.freezeSeen(t.RawGet(k).(*lua.LTable), seen))
	}
	mt := L.CreateTable(0, 3)
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		L.RaiseError("attempt to modify a read-only library table (field %s)", L.Get(2).String())
		return 0
	}))
	mt.RawSetString("__metatable", lua.LFalse)
	proxy.Metatable = mt
	in.frozen[proxy] = true
	return proxy
}

// guardMutators wraps the functions that write tables without metamethods
// (rawset, table.insert/remove/sort) so they refuse frozen library tables.
func (in *Instance) guardMutators() {
	L := in.L
	guard := func(t *lua.LTable, name string) {
		orig := t.RawGetString(name).(*lua.LFunction).GFunction
		t.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if tb, isTable := L.Get(1).(*lua.LTable); isTable && in.frozen[tb] {
				L.RaiseError("%s: attempt to modify a read-only library table", name)
			}
			return orig(L)
		}))
	}
	guard(L.G.Global, "rawset")
	table := L.G.Global.RawGetString("table").(*lua.LTable).Metatable.(*lua.LTable).RawGetString("__index").(*lua.LTable)
	for _, name := range []string{"insert", "remove", "sort"} {
		guard(table, name)
	}
}

// newEnv makes a process's global environment: its own _G, reading through
// to the shared (frozen) library.
func (in *Instance) newEnv() *lua.LTable {
	env := in.L.CreateTable(0, 1)
	env.RawSetString("_G", env)
	env.Metatable = in.envMeta
	return env
}

func (in *Instance) print(L *lua.LState) int {
	var b strings.Builder
	for i := 1; i <= L.GetTop(); i++ {
		if i > 1 {
			b.WriteByte('\t')
		}
		b.WriteString(L.ToStringMeta(L.Get(i)).String())
	}
	in.host.Log(in.current().proc.handle, b.String())
	return 0
}

// assertFunc is assert as Lua 5.3 has it: the message may be any value and
// is raised as is, so `assert(process.spawn(...))` fails with the call's
// error object (kind and all), not with a complaint about its type.
func assertFunc(L *lua.LState) int {
	if L.GetTop() == 0 {
		L.ArgError(1, "value expected")
	}
	if lua.LVAsBool(L.Get(1)) {
		return L.GetTop()
	}
	if L.GetTop() >= 2 {
		L.Error(L.Get(2), 0)
	}
	L.RaiseError("assertion failed!")
	return 0
}

// moduleID maps a require name to a source ID: "util" and "lib:util" stand,
// "lib.util" is the Lua spelling of "lib:util".
func moduleID(name string) string {
	if strings.Contains(name, ":") {
		return name
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i] + ":" + name[i+1:]
	}
	return name
}

var loading = lua.LString("\x00loading")

// require loads a module of the process's bundle once per process.
func (in *Instance) require(L *lua.LState) int {
	p := in.current().proc
	name := L.CheckString(1)
	if builtinModules[name] {
		L.Push(L.G.Global.RawGetString(name))
		return 1
	}
	id := moduleID(name)
	if v, done := p.rare.modules[id]; done {
		if v == loading {
			L.RaiseError("require %q: circular dependency", name)
		}
		L.Push(v)
		return 1
	}
	src, err := in.host.Source(p.handle, id)
	if err != nil {
		L.RaiseError("require %q: %s", name, err.Message)
	}
	fn, err := in.load(id, []byte(src), p.env)
	if err != nil {
		L.RaiseError("require %q: %s", name, err.Message)
	}
	r := p.more()
	if r.modules == nil {
		r.modules = map[string]lua.LValue{}
	}
	r.modules[id] = loading
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	v := L.Get(-1)
	if v == lua.LNil {
		v = lua.LTrue
	}
	r.modules[id] = v
	L.Pop(1)
	L.Push(v)
	return 1
}

// collectGarbage never collects: a collection of the shared heap would stall
// every process of the tenant. "count" reports the heap in KiB.
func collectGarbage(L *lua.LState) int {
	if L.OptString(1, "collect") == "count" {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		L.Push(lua.LNumber(float64(ms.HeapAlloc) / 1024))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}

// coroutineWrap defines coroutine.wrap in Lua over the patched create and
// resume, so wrapped coroutines are metered and bounded too. It is compiled
// once per process (a prototype is read-only; any state can run it):
// compiling it in every vm.New was a quarter of a native instance's start.
var coroutineWrap = func() *lua.FunctionProto {
	const src = `
		local create, resume = coroutine.create, coroutine.resume
		local function pass(ok, ...)
			if ok then return ... end
			error((...), 0)
		end
		coroutine.wrap = function(f)
			local co = create(f)
			return function(...) return pass(resume(co, ...)) end
		end`
	chunk, err := parse.Parse(strings.NewReader(src), "coroutine.wrap")
	if err != nil {
		panic(err)
	}
	proto, err := lua.Compile(chunk, "coroutine.wrap")
	if err != nil {
		panic(err)
	}
	return proto
}()

// patchCoroutine makes coroutines share their creator's budget (gopher-lua
// would give them a context of their own that no instruction count reaches)
// and adds coroutine.spawn.
func (in *Instance) patchCoroutine(co *lua.LTable) {
	L := in.L
	create := co.RawGetString("create").(*lua.LFunction).GFunction
	co.RawSetString("create", L.NewFunction(func(L *lua.LState) int {
		n := create(L)
		if th, isThread := L.Get(-1).(*lua.LState); isThread {
			th.SetContext(L.Context())
			th.SetCountdown(L.Countdown())
		}
		return n
	}))
	resume := co.RawGetString("resume").(*lua.LFunction).GFunction
	co.RawSetString("resume", L.NewFunction(func(L *lua.LState) int {
		t := in.current()
		if t.coDepth >= maxCoroutineDepth {
			L.Push(lua.LFalse)
			L.Push(lua.LString(fmt.Sprintf("stack overflow (coroutines nested more than %d deep)", maxCoroutineDepth)))
			return 2
		}
		t.coDepth++
		defer func() { t.coDepth-- }()
		return resume(L)
	}))
	L.Push(L.NewFunctionFromProto(coroutineWrap))
	L.Call(0, 0)
	co.RawSetString("spawn", L.NewFunction(func(L *lua.LState) int {
		fn, isFn := L.Get(1).(*lua.LFunction)
		if !isFn {
			return failure(L, abi.Errorf(abi.Invalid, "coroutine.spawn: a function expected"))
		}
		args := rest(L, 2)
		p := in.current().proc
		t := p.newTask()
		t.load(stageSpawned, fn, args)
		in.sched.ready(t)
		return ok(L)
	}))
}
