package policies

import (
	"fmt"
	"testing"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/casbin/casbin/v2/util"
)

func TestScratch(t *testing.T) {
	pid := "{app:processes|0x0001a.t1.n0}"
	cases := [][2]string{
		{pid, pid},
		{pid, `\{app:processes|0x0001a.t1.n0\}`},
		{pid, `\{app:processes|*\}`},
		{pid, `*`},
		{pid, `**`},
		{"app.workers:handler", "app.workers:*"},
		{"app.workers:handler", "app.*"},
		{"app.workers:handler", "app.*:handler"},
		{"app.workers.x:handler", "app.*:handler"},
		{"a/b", "*"},
		{"a/b", "**"},
		{"a/b", "a**"},
		{"a/b/c", "a/**"},
		{"a,b", "a,b"},
		{"{", "[{]"},
		{"{", `[\{]`},
		{"x", `[\{]`},
		{"x", `[!{]`},
		{"x", `[^{]`},
		{"a", "{a,b}"},
		{"a", "{a}"},
		{"", "*"},
		{"process.spawn.monitored", "process.*"},
		{"x", "[a-"},
		{"x", "\\"},
		{"x", "{"},
		{"x", "}"},
		{"ab", "a\\"},
		{"a}", "a}"},
	}
	for _, c := range cases {
		ok, err := util.GlobMatch(c[0], c[1])
		fmt.Printf("%-35q %-35q %v %v valid=%v\n", c[0], c[1], ok, err, doublestar.ValidatePattern(c[1]))
	}
}
