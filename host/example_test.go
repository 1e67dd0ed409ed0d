package host_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moonbox-runtime/moonbox/host"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// A runtime with one tenant: spawn a process and wait for its exit.
func ExampleRuntime() {
	dir, _ := os.MkdirTemp("", "demo")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "main.lua"), []byte(`return function(who) return "hello, " .. who end`), 0o644)

	bundle, err := tenants.OpenBundle(dir)
	if err != nil {
		panic(err)
	}
	rt := host.New(host.Config{Shards: 1})
	defer rt.Close()
	t, err := rt.AddTenant(host.TenantConfig{Name: "demo", Bundle: bundle, Native: true})
	if err != nil {
		panic(err)
	}
	_, exit, err := t.Spawn("main", host.DefaultHost, host.Args("world"))
	if err != nil {
		panic(err)
	}
	e := <-exit
	fmt.Printf("abnormal=%v value=%x\n", e.Abnormal, e.Value)
	// Output: abnormal=false value=6c68656c6c6f2c20776f726c64
}
