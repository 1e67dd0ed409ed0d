package moonbox_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/moonbox-runtime/moonbox"
)

// BenchmarkCall is Go's Tenant.Call of a running Lua process (moonbox bench
// gocall measures the same with percentiles).
func BenchmarkCall(b *testing.B) {
	for _, native := range []bool{false, true} {
		name := map[bool]string{false: "sandbox", true: "native"}[native]
		b.Run(name, func(b *testing.B) {
			rt, err := moonbox.New(moonbox.Config{AllowNative: true, Shards: 1, Logger: discard})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close(context.Background())
			dir := b.TempDir()
			writeBundle(b, dir, native, map[string]string{
				// As moonbox bench's server: inbox:receive(), not a select (whose
				// tables cost the sandbox more than the call: BENCHMARKS.md).
				"server.lua": `return function()
  local inbox = process.inbox()
  while true do
    local m = inbox:receive()
    process.send(m:from(), "reply", m:payload())
  end
end`,
				"caller.lua": `return function(n)
  for i = 1, n do assert(process.call("echo", "app:processes", i) == i) end
end`,
			})
			ten, err := rt.Deploy(context.Background(), dir)
			if err != nil {
				b.Fatal(err)
			}
			ten.Handle("echo", func(_ context.Context, req *moonbox.Request) (any, error) { return req.Args[0], nil })
			ctx := context.Background()
			if _, err := ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "server"}, "server"); err != nil {
				b.Fatal(err)
			}
			defer ten.Terminate("server") // it does not wait for CANCEL: Close would wait its deadline out
			b.Run("gocall", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					if _, err := ten.Call(ctx, "server", "ping", i); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("hostcall", func(b *testing.B) {
				if _, err := ten.Exec(ctx, "caller", b.N); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func writeBundle(tb testing.TB, dir string, native bool, files map[string]string) {
	conf := "name: bench\npolicy: policy.csv\n"
	if native {
		conf += "isolation: native\n"
	}
	files["tenant.yaml"] = conf
	files["policy.csv"] = "p, *, process.*, *, allow\n"
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
