package vm

import (
	"strings"
	"testing"

	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/parse"
)

// FuzzCompile: any source text a tenant uploads or passes to loadstring is
// parsed and compiled inside the guest, where a Go panic would trap the
// instance. Either it compiles or it is an error; it never panics.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"return function() end",
		"local t = {1, 2, x = 3}; for i, v in ipairs(t) do print(i, v) end",
		"return " + strings.Repeat("(", 3000) + "1" + strings.Repeat(")", 3000),
		"local function f(...) return select('#', ...) end return f(1, nil, 3)",
		"goto x; ::x:: return 1",
		"return 0x1p4, 1e308 * 10, 'a\\z  b', [==[long]==]",
		"a.b.c:d(e)[f] = g",
		"return function(a, b) local c <const> = a return c end",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 64<<10 {
			return
		}
		chunk, err := parse.Parse(strings.NewReader(src), "fuzz")
		if err != nil {
			return
		}
		_, _ = lua.Compile(chunk, "fuzz")
	})
}
