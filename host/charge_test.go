package host

import (
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// workBombs each run a few thousand instructions that do millions of
// instructions' worth of work in Go. The CPU budget counts that work
// (sandbox/vm/charge.go), so each must end with TIMEOUT under a budget of a
// million; counting instructions alone, each would finish.
var workBombs = map[string]string{
	"string": `local s = ("x"):rep(65536)
		for i = 1, 200 do s:upper() end`,
	"pattern": `local s = ("a"):rep(400)
		for i = 1, 100 do s:find("a*b") end`,
	"error": `for i = 1, 3000 do pcall(error, "x") end`,
	"compile": `local src = ("local a = 1 "):rep(1000)
		for i = 1, 20 do loadstring(src) end`,
	"concat": `local s = ""
		for i = 1, 2000 do s = s .. ("x"):rep(100) end`,
	"sort": `local t = {}
		for i = 1, 20000 do t[i] = -i end
		for i = 1, 10 do table.sort(t) end`,
}

// cheapLoop runs about as many instructions as the bombs, each cheap: it
// stays under the same budget.
const cheapLoop = `for i = 1, 20000 do local x = i * 2 end`

func TestWorkCountsAgainstCPUBudget(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			files := map[string]string{"cheap.lua": "return function() " + cheapLoop + " return 'done' end"}
			for name, body := range workBombs {
				files[name+".lua"] = "return function() " + body + " return 'done' end"
			}
			limits := tenants.DefaultLimits()
			limits.CPUTotal = 1_000_000
			logs := &logLines{}
			cfg := Config{Shards: 1, Log: logs.add}
			if !m.native {
				cfg.Engine = testEngine(t)
			}
			rt := New(cfg)
			t.Cleanup(rt.Close)
			ten, err := rt.AddTenant(TenantConfig{Name: "test", Bundle: writeBundle(t, files), Native: m.native, Limits: &limits})
			if err != nil {
				t.Fatal(err)
			}
			_, exit, err := ten.Spawn("cheap", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatalf("cheap loop: %s %s, want a normal exit under the budget", e.Kind, e.Error)
			}
			for name := range workBombs {
				_, exit, err := ten.Spawn(name, DefaultHost, nil)
				if err != nil {
					t.Fatal(err)
				}
				e := wait(t, exit)
				if !e.Abnormal || e.Kind != "TIMEOUT" || !strings.Contains(e.Error, "CPU budget") {
					t.Errorf("%s: exit %s %q, want TIMEOUT (CPU budget exhausted)", name, e.Kind, e.Error)
				}
			}
		})
	}
}
