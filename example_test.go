package moonbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"sync"

	"github.com/moonbox-runtime/moonbox"
)

// A plugin host: the application deploys a plugin tenant, serves it a Go
// key-value service it calls from Lua with process.call, and calls the
// plugin's own service.
func Example() {
	ctx := context.Background()
	rt, err := moonbox.New(moonbox.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close(ctx)

	t, err := rt.Deploy(ctx, pluginsDir+"/acme") // tenant.yaml, policy.csv, *.lua
	if err != nil {
		log.Fatal(err)
	}
	var mu sync.Mutex
	counters := map[string]int{}
	// process.call("kv", "app:processes", "incr", key) from Lua runs this.
	t.Handle("kv", func(ctx context.Context, req *moonbox.Request) (any, error) {
		var op, key string
		if len(req.Args) < 2 || req.Args[0].Decode(&op) != nil || req.Args[1].Decode(&key) != nil || op != "incr" {
			return nil, &moonbox.Error{Kind: moonbox.KindInvalid, Message: "usage: incr KEY"}
		}
		mu.Lock()
		defer mu.Unlock()
		counters[key]++
		return counters[key], nil
	})
	audit, _ := t.NewProcess(ctx, "audit") // the plugin sends it what it did

	if _, err := t.SpawnWith(ctx, moonbox.SpawnOptions{Name: "api"}, "api"); err != nil {
		log.Fatal(err)
	}
	for range 2 {
		reply, err := t.Call(ctx, "api", "greet", "ann")
		if err != nil {
			log.Fatal(err)
		}
		var r struct {
			Greeting string `json:"greeting"`
			Count    int    `json:"count"`
		}
		reply.Decode(&r)
		fmt.Println(r.Greeting, r.Count)
	}
	msg, _ := audit.Receive(ctx)
	fmt.Println("audit:", msg.Topic, msg.Args[0], msg.Args[1])
	// Output:
	// hello, ann 1
	// hello, ann 2
	// audit: greeted "ann" 1
}

// Exec runs a process and returns its exit value, as process.call does in
// Lua; a failure comes back as an *Error with the Lua error's kind.
func ExampleTenant_Exec() {
	ctx := context.Background()
	rt, _ := moonbox.New(moonbox.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer rt.Close(ctx)
	t, err := rt.Deploy(ctx, pluginsDir+"/acme")
	if err != nil {
		log.Fatal(err)
	}
	v, err := t.Exec(ctx, "greeter", "bob", 2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v)

	_, err = t.Exec(ctx, "missing")
	fmt.Println(errors.Is(err, moonbox.ErrNotFound))
	// Output:
	// "hello, bob hello, bob"
	// true
}
