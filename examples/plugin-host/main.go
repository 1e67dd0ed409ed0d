// Command plugin-host is a Go application that lets plugins script it in
// Lua with Moonbox: it exposes a Go key-value service to them, loads two
// plugin tenants with different policies, calls into one, and shows the
// other being denied and its crashes contained. README.md walks through it.
//
//	go run ./examples/plugin-host
package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

func main() {
	if err := run(context.Background(), os.Stdout, pluginsDir()); err != nil {
		log.Fatal(err)
	}
}

// pluginsDir is the plugins folder next to this file's package.
func pluginsDir() string {
	if _, err := os.Stat("plugins"); err == nil {
		return "plugins"
	}
	return filepath.Join("examples", "plugin-host", "plugins")
}

// store is the host's key-value service: one namespace per tenant.
type store struct {
	mu sync.Mutex
	m  map[string]int
}

// serve answers process.call("kv", "app:processes", op, key) for tenant.
func (s *store) serve(tenant string) moonbox.Handler {
	return func(ctx context.Context, req *moonbox.Request) (any, error) {
		var op, key string
		if len(req.Args) != 2 || req.Args[0].Decode(&op) != nil || req.Args[1].Decode(&key) != nil {
			return nil, &moonbox.Error{Kind: moonbox.KindInvalid, Message: "usage: process.call(\"kv\", host, \"incr\"|\"get\", key)"}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		switch op {
		case "incr":
			s.m[tenant+"/"+key]++
		case "get":
		default:
			return nil, &moonbox.Error{Kind: moonbox.KindNotFound, Message: "no operation " + op}
		}
		return s.m[tenant+"/"+key], nil
	}
}

func run(ctx context.Context, out io.Writer, plugins string) error {
	// The application, not the plugins, decides the ceilings: a plugin's
	// tenant.yaml asking for more is refused at deploy.
	rt, err := moonbox.New(moonbox.Config{
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Ceilings: moonbox.Limits{Processes: 10_000, Memory: 256 << 20},
	})
	if err != nil {
		return err
	}
	defer rt.Close(ctx)

	kv := &store{m: map[string]int{}}
	acme, err := rt.Deploy(ctx, filepath.Join(plugins, "acme"))
	if err != nil {
		return err
	}
	evil, err := rt.Deploy(ctx, filepath.Join(plugins, "evil"))
	if err != nil {
		return err
	}
	for _, t := range []*moonbox.Tenant{acme, evil} {
		if err := t.Handle("kv", kv.serve(t.Name())); err != nil {
			return err
		}
	}

	// A Go-side process in acme: the plugin sends it what it did.
	audit, err := acme.NewProcess(ctx, "audit")
	if err != nil {
		return err
	}
	// The plugin's service, registered as "api" before it runs.
	if _, err := acme.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api"); err != nil {
		return err
	}
	for _, name := range []string{"ann", "bob", "ann"} {
		reply, err := acme.Call(ctx, "api", "greet", name)
		if err != nil {
			return err
		}
		var r struct {
			Greeting string `json:"greeting"`
			Count    int    `json:"count"`
		}
		if err := reply.Decode(&r); err != nil {
			return err
		}
		msg, err := audit.Receive(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "acme: %s (count %d); audit got %s %v\n", r.Greeting, r.Count, msg.Topic, msg.Payload)
	}

	// evil's policy does not let it call kv: the host refuses the call.
	_, err = evil.Exec(ctx, "steal")
	fmt.Fprintf(out, "evil steal: %v\n", err)
	// A plugin bug ends the plugin's process, nothing else.
	_, err = evil.Exec(ctx, "crash")
	fmt.Fprintf(out, "evil crash: %v\n", err)
	// A memory bomb is ended by its tenant's memory limit.
	start := time.Now()
	_, err = evil.Exec(ctx, "bomb")
	fmt.Fprintf(out, "evil bomb: %v\n", err)
	if took := time.Since(start); took > 30*time.Second {
		fmt.Fprintf(out, "(the bomb took %s to end)\n", took.Round(time.Millisecond))
	}

	// acme never noticed.
	reply, err := acme.Call(ctx, "api", "greet", "cy")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "acme after evil's trouble: %v\n", reply)

	if err := evil.Undeploy(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "evil undeployed; tenants left: %d, processes left: %d\n", len(rt.Tenants()), rt.Processes())
	return nil
}
