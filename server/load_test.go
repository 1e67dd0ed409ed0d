package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad is the bounded load run of the server (not part of make test):
//
//	MOONBOX_LOAD=1 go test -run TestLoad -v ./server/
//
// It sends a fixed number of requests over loopback, from a fixed number of
// connections, to shop's api service (sandboxed and native) through the
// ingress, and to a plain net/http handler doing the same work in Go, in
// the same process and the same minutes (rounds alternate); then to the
// sandboxed service again while mallory's services are kept busy next to it.
// MOONBOX_LOAD_N (requests a round, default 20000), MOONBOX_LOAD_C
// (connections, default 8), MOONBOX_LOAD_ROUNDS (default 3) and
// MOONBOX_LOAD_ATTACKS (mallory's services to call, default spin,bomb) tune
// it.
func TestLoad(t *testing.T) {
	if os.Getenv("MOONBOX_LOAD") == "" {
		t.Skip("set MOONBOX_LOAD=1 to run the load test")
	}
	n, c, rounds := envInt("MOONBOX_LOAD_N", 20000), envInt("MOONBOX_LOAD_C", 8), envInt("MOONBOX_LOAD_ROUNDS", 3)
	ts := newTestServer(t, t.TempDir(), func(cfg *Config) {
		cfg.AllowNative = true
		cfg.Ingress.Timeout = 5 * time.Second
	})
	_, shop, _ := ts.deploy(filepath.Join(examples, "shop"))
	native := copyBundle(t, "shop", map[string]func(string) string{
		"tenant.yaml": func(s string) string {
			return strings.Replace(s, "name: shop", "name: shopnative\nisolation: native", 1)
		},
	})
	code, shopNative, body := ts.deploy(native)
	if code != 201 {
		t.Fatalf("native deploy: %d %s", code, body)
	}

	// The plain handler: the same quote, the same JSON, a ledger total.
	var ledger atomic.Int64
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var basket struct {
			Items []struct {
				Price float64  `json:"price"`
				Qty   *float64 `json:"qty"`
			} `json:"items"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&basket); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		net := 0.0
		for _, it := range basket.Items {
			q := 1.0
			if it.Qty != nil {
				q = *it.Qty
			}
			net += it.Price * q
		}
		vat := math.Floor(net*0.2*100+0.5) / 100
		ledger.Add(int64(net + vat))
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"items": len(basket.Items), "net": net, "vat": vat, "total": net + vat})
	}))
	defer plain.Close()

	basket := []byte(`{"items":[{"price":2.5,"qty":2},{"price":10},{"price":0.99,"qty":3}]}`)
	targets := []struct {
		name, url, token string
	}{
		{"plain net/http", plain.URL + "/", ""},
		{"lua sandboxed", ts.http.URL + "/t/shop/call/api/quote", shop.Token},
		{"lua native", ts.http.URL + "/t/shopnative/call/api/quote", shopNative.Token},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}}
	results := map[string][]loadResult{}
	for round := range rounds {
		for _, tg := range targets {
			r := hammer(t, client, tg.url, tg.token, basket, n, c)
			results[tg.name] = append(results[tg.name], r)
			t.Logf("round %d %-16s %s", round+1, tg.name, r)
		}
	}

	// The same, with mallory deployed and kept busy: its spinner and its
	// bomb called over and over from other connections. MOONBOX_LOAD_CPU_RATE
	// (instructions a second) caps mallory's CPU as an operator would with
	// a cpu_rate default; 0 leaves it uncapped.
	malloryDir := filepath.Join(examples, "mallory")
	if rate := os.Getenv("MOONBOX_LOAD_CPU_RATE"); rate != "" && rate != "0" {
		malloryDir = copyBundle(t, "mallory", map[string]func(string) string{
			"tenant.yaml": func(s string) string {
				return strings.Replace(s, "limits:\n", "limits:\n  cpu_rate: "+rate+"\n", 1)
			},
		})
	}
	code, mallory, body := ts.deploy(malloryDir)
	if code != 201 {
		t.Fatalf("mallory: %d %s", code, body)
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	attacks := []string{"spin", "bomb"}
	if a := os.Getenv("MOONBOX_LOAD_ATTACKS"); a != "" {
		attacks = strings.Split(a, ",")
	}
	for _, svc := range attacks {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					req, _ := http.NewRequestWithContext(ctx, "POST", ts.http.URL+"/t/mallory/call/"+svc, nil)
					req.Header.Set("Authorization", "Bearer "+mallory.Token)
					if resp, err := http.DefaultClient.Do(req); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}()
		}
	}
	time.Sleep(500 * time.Millisecond)
	for round := range rounds {
		for _, tg := range targets[:2] {
			name := tg.name + " beside mallory"
			r := hammer(t, client, tg.url, tg.token, basket, n, c)
			results[name] = append(results[name], r)
			t.Logf("round %d %-31s %s", round+1, name, r)
		}
	}
	stop()
	wg.Wait()

	best := func(name string) loadResult {
		rs := results[name]
		return slices.MaxFunc(rs, func(a, b loadResult) int { return int(a.rps - b.rps) })
	}
	p := best("plain net/http")
	t.Logf("best of %d rounds, %d requests each over %d connections:", rounds, n, c)
	for _, name := range []string{"plain net/http", "lua sandboxed", "lua native", "plain net/http beside mallory", "lua sandboxed beside mallory"} {
		r := best(name)
		t.Logf("  %-31s %s  (%.0f%% of plain)", name, r, 100*r.rps/p.rps)
	}
	t.Logf("  sandboxed beside mallory / alone: %.0f%%", 100*best("lua sandboxed beside mallory").rps/best("lua sandboxed").rps)
}

type loadResult struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
}

func (r loadResult) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %7s  p99 %7s  errors %d", r.rps, r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.errors)
}

// hammer sends n requests from c goroutines and measures each.
func hammer(t *testing.T, client *http.Client, url, token string, body []byte, n, c int) loadResult {
	var next atomic.Int64
	lat := make([]time.Duration, n)
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"total":21.56`)) {
						if errs.Add(1) == 1 {
							t.Logf("%s: %d %s", url, resp.StatusCode, b)
						}
					}
				} else {
					errs.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return loadResult{rps: float64(n) / elapsed.Seconds(), p50: lat[n/2], p99: lat[n*99/100], errors: int(errs.Load())}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
