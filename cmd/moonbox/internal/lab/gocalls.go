package lab

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/moonbox-runtime/moonbox"
)

// The hostcall and gocall workloads measure the public API's two directions
// between Lua and Go: a Lua process calling a Go-side process (Tenant.Handle)
// and Go calling a running Lua process (Tenant.Call). They run through the
// module root's API, as an embedding application does.

// apiEnv is a runtime of the public API with one tenant over a workload's
// bundle.
type apiEnv struct {
	rt  *moonbox.Runtime
	ten *moonbox.Tenant
}

func (b *bench) startAPI(bundleName string, native bool) (*apiEnv, error) {
	dir, err := b.bundleDir(bundleName)
	if err != nil {
		return nil, err
	}
	isolation := "sandbox"
	if native {
		isolation = "native"
	}
	l := benchLimits()
	conf := fmt.Sprintf("name: bench\nisolation: %s\nlimits:\n  processes: %d\n  spawns_per_second: %d\n  mailbox: %d\n",
		isolation, l.Processes, l.SpawnsPerSecond, l.Mailbox)
	if err := os.WriteFile(filepath.Join(dir, "tenant.yaml"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	rt, err := moonbox.New(moonbox.Config{
		Shards:      b.Shards,
		AllowNative: true,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnEvent: func(e moonbox.Event) {
			if e.Kind == moonbox.EventWarning || e.Kind == moonbox.EventLimit {
				b.warns.add(e.Tenant, e.Message)
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ten, err := rt.Deploy(context.Background(), dir)
	if err != nil {
		rt.Close(context.Background())
		return nil, err
	}
	return &apiEnv{rt: rt, ten: ten}, nil
}

func (e *apiEnv) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.rt.Close(ctx)
}

// runHostcall: Lua calls a Go-side process and gets its reply.
func (b *bench) runHostcall(native bool) (*result, error) {
	e, err := b.startAPI("call", native)
	if err != nil {
		return nil, err
	}
	defer e.close()
	err = e.ten.Handle("echo", func(_ context.Context, req *moonbox.Request) (any, error) {
		if len(req.Args) == 0 {
			return nil, nil
		}
		return req.Args[0], nil
	})
	if err != nil {
		return nil, err
	}
	n := b.sizeFor(native, 5_000, 20_000, 500)
	warm := b.size(500, 50)
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	exec := func(n, warm int) (map[string]any, error) {
		v, err := e.ten.Exec(ctx, "main", strconv.Itoa(n), strconv.Itoa(warm), "echo")
		if err != nil {
			return nil, err
		}
		return figures(v.CBOR()), nil
	}
	if _, err := exec(warm, 1); err != nil {
		return nil, err
	}
	fig, err := reps(repeats, func() (map[string]float64, error) {
		v, err := exec(n, warm)
		if err != nil {
			return nil, err
		}
		return map[string]float64{"mean": num(v, "secs") / num(v, "n") * 1e6, "p50": num(v, "p50") * 1e6, "p99": num(v, "p99") * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	return latencies("Lua -> Go process.call", fig, n), nil
}

// runGocall: Go calls a running, named Lua process and gets its reply.
func (b *bench) runGocall(native bool) (*result, error) {
	e, err := b.startAPI("gocall", native)
	if err != nil {
		return nil, err
	}
	defer e.close()
	ctx, cancel := context.WithTimeout(context.Background(), benchTimeout)
	defer cancel()
	if _, err := e.ten.SpawnWith(ctx, moonbox.SpawnOptions{Name: "server"}, "server"); err != nil {
		return nil, err
	}
	defer e.ten.Terminate("server") // it does not wait for CANCEL: Close would wait its deadline out
	n := b.sizeFor(native, 5_000, 50_000, 500)
	call := func(i int) error {
		v, err := e.ten.Call(ctx, "server", "ping", i)
		if err != nil {
			return err
		}
		var got int
		if err := v.Decode(&got); err != nil || got != i {
			return fmt.Errorf("server answered %v to %d (%v)", v, i, err)
		}
		return nil
	}
	for i := range b.size(500, 50) {
		if err := call(i); err != nil {
			return nil, err
		}
	}
	lat := make([]float64, n)
	fig, err := reps(repeats, func() (map[string]float64, error) {
		t0 := time.Now()
		prev := t0
		for i := range n {
			if err := call(i); err != nil {
				return nil, err
			}
			now := time.Now()
			lat[i] = now.Sub(prev).Seconds()
			prev = now
		}
		mean := prev.Sub(t0).Seconds() / float64(n)
		return map[string]float64{"mean": mean * 1e6, "p50": percentile(lat, 0.50) * 1e6, "p99": percentile(lat, 0.99) * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	return latencies("Go -> Lua Tenant.Call", fig, n), nil
}
