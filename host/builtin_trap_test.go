package host

import (
	"fmt"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// trapBombs are ordinary calls of the standard library that once trapped a
// 16 MiB sandbox instance (ending every process of the tenant on that shard)
// or held its shard for seconds in one step. Each must now end only its own
// process, with a Lua error a user can act on.
var trapBombs = map[string]string{
	"gsub_escape":    `local d = ("abcdefghi&"):rep(10000); return #d:gsub("&", "&amp;")`,
	"gsub_every":     `return #(("x"):rep(30000):gsub("x", "y"))`,
	"gsub_huge_repl": `return #(("x"):rep(65536):gsub(".", ("y"):rep(16384)))`,
	"byte_all":       `local s = ("x"):rep(1048576); return #{string.byte(s, 1, -1)}`,
	"char_many":      `local t = {}; for i = 1, 200000 do t[i] = 65 end; return #string.char(unpack(t))`,
	"unpack_range":   `return select("#", unpack({}, 1, 1e8))`,
	"format_q":       `local s = ("\n"):rep(3 * 1048576); return #string.format("%q", s)`,
	"payload_tables": `local e = {{}, {}, {}, {}, {}, {}, {}, {}}
		local t = {}
		for i = 1, 50000 do t[i] = e end
		assert(process.send(process.pid(), "big", t))
		local m = process.inbox():receive()
		local p = m:payload()
		return #p`,
	"format_many": `local s = ("x"):rep(1048576); return #string.format(("%s"):rep(40), s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s,s)`,
}

// trapLimits is a small tenant: 16 MiB of linear memory per instance.
func trapLimits() *tenants.Limits {
	l := tenants.DefaultLimits()
	l.Memory = 16 << 20
	l.MemorySoft = 12 << 20
	return &l
}

func TestBuiltinsCannotTrapAnInstance(t *testing.T) {
	files := map[string]string{
		"neighbour.lua": `return function()
			process.inbox():receive()
			return true
		end`,
	}
	for name, body := range trapBombs {
		files[name+".lua"] = "return function() " + body + " end"
	}
	logs := &logLines{}
	rt := New(Config{Shards: 1, Log: logs.add}) // the engine of the tenant's memory limit
	t.Cleanup(rt.Close)
	ten, err := rt.AddTenant(TenantConfig{Name: "test", Bundle: writeBundle(t, files), Limits: trapLimits()})
	if err != nil {
		t.Fatal(err)
	}
	for name := range trapBombs {
		t.Run(name, func(t *testing.T) {
			// A neighbour on the same instance (one shard) must outlive the bomb.
			neighbour, nexit, err := ten.Spawn("neighbour", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, exit, err := ten.Spawn(name, DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := wait(t, exit)
			if !e.Abnormal {
				t.Logf("%s finished: %x", name, e.Value)
			} else if strings.Contains(e.Error, "sandbox crashed") {
				t.Fatalf("%s trapped its instance: %s", name, e.Error)
			} else {
				t.Logf("%s: %s %s", name, e.Kind, e.Error)
			}
			_ = neighbour
			select {
			case ne := <-nexit:
				t.Fatalf("the neighbour ended with the bomb: %s %s", ne.Kind, ne.Error)
			default:
			}
		})
	}
}

// TestRandomStdlibCallsNeverTrap calls the standard library with random,
// mostly large, arguments in a 16 MiB tenant: a call may fail, and a process
// may be ended for memory or CPU, but no call may trap the instance. The
// calls are generated from a fixed seed (MOONBOX_STDLIB_SEED overrides it)
// so a failure can be replayed.
func TestRandomStdlibCallsNeverTrap(t *testing.T) {
	seed := int64(18)
	if s := os.Getenv("MOONBOX_STDLIB_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	processes, callsEach := 24, 15 // ~5-10 s
	if os.Getenv("MOONBOX_STDLIB_ONE") != "" {
		processes, callsEach = 150, 1
	}
	r := rand.New(rand.NewSource(seed))
	files := map[string]string{}
	for i := range processes {
		files[fmt.Sprintf("calls%d.lua", i)] = randomCalls(r, callsEach)
	}
	var warnings []string
	var mu sync.Mutex
	limits := trapLimits()
	limits.CPUTotal = 20_000_000 // a generated loop ends, trap or no trap
	rt := New(Config{Shards: 1, Warn: func(tenant, msg string) {
		mu.Lock()
		warnings = append(warnings, msg)
		mu.Unlock()
	}})
	t.Cleanup(rt.Close)
	ten, err := rt.AddTenant(TenantConfig{Name: "test", Bundle: writeBundle(t, files), Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	ended := map[string]int{}
	for i := range processes {
		_, exit, err := ten.Spawn(fmt.Sprintf("calls%d", i), DefaultHost, nil)
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		var e Exit
		select {
		case e = <-exit:
		case <-time.After(60 * time.Second):
			t.Fatalf("seed %d, calls%d did not exit within 60s:\n%s", seed, i, files[fmt.Sprintf("calls%d.lua", i)])
		}
		if took := time.Since(began); took > 3*time.Second {
			t.Logf("calls%d took %v:\n%s", i, took, files[fmt.Sprintf("calls%d.lua", i)])
		}
		if strings.Contains(e.Error, "sandbox crashed") {
			t.Errorf("seed %d, calls%d trapped its instance: %s\n%s", seed, i, e.Error, files[fmt.Sprintf("calls%d.lua", i)])
		}
		if e.Abnormal {
			ended[e.Kind]++
			t.Logf("calls%d: %s %s", i, e.Kind, e.Error)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, w := range warnings {
		if strings.Contains(w, "discarded") {
			t.Errorf("seed %d: %s", seed, w)
		}
	}
	t.Logf("seed %d: %d processes of %d calls, ended abnormally: %v", seed, processes, callsEach, ended)
}

// randomCalls is a process that makes n random calls of the standard
// library, each under pcall, keeping some results alive.
func randomCalls(r *rand.Rand, n int) string {
	pick := func(xs ...string) string { return xs[r.Intn(len(xs))] }
	size := func() string {
		return pick("0", "1", "-1", "7", "1000", "65536", "1e6", "3e6", "1e9", "-1e9", "2^31", "2^53", "1/0", "0/0")
	}
	str := func() string {
		return pick(`""`, `"x"`, `"&"`, `"\0"`, `"%"`, `big`, `huge`, `("ab\n"):rep(1e5)`, `("\0"):rep(5e5)`, `tostring(1e300)`)
	}
	pattern := func() string {
		return pick(`"."`, `"(.)"`, `"x*"`, `"^x"`, `"%w+"`, `"(x)(x)"`, `"a*b"`, `"%d"`, `"()"`, `"[%z]"`, `"(.-)$"`, `"%1"`)
	}
	tbl := func() string {
		return pick(`{}`, `arr`, `{1, 2, 3}`, `{n = 1}`, `setmetatable({}, {__index = function() return "x" end})`)
	}
	arg := func() string {
		switch r.Intn(4) {
		case 0:
			return size()
		case 1:
			return str()
		case 2:
			return tbl()
		}
		return pick("nil", "true", "print", `"%q"`, `"%99s"`, `"%s%s%s%s"`, `"%-99.99f"`, `"*t"`, `"!%c"`)
	}
	calls := []func() string{
		func() string { return "string.rep, " + str() + ", " + size() + ", " + pick(`nil`, str()) },
		func() string {
			return "string.gsub, " + str() + ", " + pattern() + ", " + pick(str(), `"%0%0"`, `"%1"`, tbl(), `function(c) return c .. c end`)
		},
		func() string {
			return "string.format, " + pick(`"%q"`, `"%s"`, `"%99s"`, `"%s%s%s%s%s"`, `"%d"`, `"%5.2f"`, `"%x"`, `"%c"`) + ", " + arg() + ", " + arg()
		},
		func() string { return "string.byte, " + str() + ", " + size() + ", " + size() },
		func() string { return "function() return string.char(unpack(arr, 1, " + size() + ")) end" },
		func() string { return "string.sub, " + str() + ", " + size() + ", " + size() },
		func() string {
			return pick("string.upper", "string.lower", "string.reverse", "string.len") + ", " + str()
		},
		func() string {
			return pick("string.find", "string.match") + ", " + str() + ", " + pattern() + ", " + size()
		},
		func() string {
			return "function() local n = 0 for a in string.gmatch(" + str() + ", " + pattern() + ") do n = n + 1 end return n end"
		},
		func() string { return "unpack, " + tbl() + ", " + size() + ", " + size() },
		func() string { return "table.concat, " + tbl() + ", " + str() + ", " + size() + ", " + size() },
		func() string {
			return pick("table.insert", "table.remove") + ", " + tbl() + ", " + size() + ", " + arg()
		},
		func() string { return "table.sort, " + tbl() },
		func() string { return "select, " + size() + ", " + arg() },
		func() string { return pick("tostring", "tonumber") + ", " + arg() + ", " + size() },
		func() string {
			return pick("math.random", "math.floor", "math.fmod", "math.pow", "math.ldexp", "math.max", "math.min") + ", " + size() + ", " + size()
		},
		func() string { return "os.date, " + pick(`"*t"`, `"%c"`, `"!%Y"`, str()) + ", " + size() },
		func() string { return "os.time, {year = " + size() + ", month = " + size() + ", day = " + size() + "}" },
		func() string { return "loadstring, " + str() },
		func() string {
			return "function() local co = {} for i = 1, " + pick("10", "1000", "1e5") + " do co[i] = coroutine.create(function() coroutine.yield(" + arg() + ") end) coroutine.resume(co[i]) end return #co end"
		},
		func() string {
			return "function() local t = {} for i = 1, " + size() + " do t[i] = " + arg() + " end return #t end"
		},
		func() string {
			return "function() local t = {} for i = 1, " + pick("1e3", "1e5", "1e6") + " do t[" + pick("i * 0.5", `"k" .. i`, "{}") + "] = i end return t end"
		},
		func() string { return "function() return " + str() + " .. " + str() + " .. " + str() + " end" },
	}
	var b strings.Builder
	b.WriteString("local big = (\"x\"):rep(5e5)\nlocal huge = (\"y\"):rep(1e6)\nlocal arr = {}\nfor i = 1, 1000 do arr[i] = i % 256 end\n")
	b.WriteString("local keep = {}\nreturn function()\n")
	for i := range n {
		fmt.Fprintf(&b, "  do local ok, r = pcall(%s) keep[%d] = r end\n", calls[r.Intn(len(calls))](), i%4+1)
	}
	b.WriteString("  return true\nend\n")
	return b.String()
}
