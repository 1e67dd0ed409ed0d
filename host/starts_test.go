package host

import (
	"fmt"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/sandbox/vm"
	"github.com/moonbox-runtime/moonbox/tenants"
)

// batchGuest is a guest that records the batches it is stepped with.
type batchGuest struct{ steps [][]string }

func (g *batchGuest) Step(batch []byte, _ int64) (bool, error) {
	var step []string
	for len(batch) > 0 {
		kind, h, body, rest, err := abi.NextRecord(batch)
		if err != nil {
			return false, err
		}
		what := fmt.Sprintf("start %d", h)
		if kind == abi.RecordMessage {
			body.Bytes()
			what = fmt.Sprintf("%s to %d", body.String(), h)
		}
		step = append(step, what)
		batch = rest
	}
	g.steps = append(g.steps, step)
	return false, nil
}
func (g *batchGuest) Memory(bool) (uint64, uint64) { return 0, 0 }
func (g *batchGuest) Diagnostics() string          { return "" }
func (g *batchGuest) Waits() []vm.ProcessWaits     { return nil }
func (g *batchGuest) Close()                       {}

// TestMessagesGoBeforeStarts: a turn takes the records for started processes
// before the STARTs queued ahead of them, at most 8 STARTs a turn, and a
// process whose START waits gets its records after it, in order.
func TestMessagesGoBeforeStarts(t *testing.T) {
	g := &batchGuest{}
	limits := tenants.DefaultLimits()
	in := &instance{tenant: &Tenant{limits: limits}, shard: &shard{}, g: g, procs: map[uint32]*process{}}
	turn := func() {
		in.turn()
		in.queued = true // as if in its shard's run queue: nothing to schedule
	}
	in.queued = true
	var procs []*process
	for range 12 {
		p := &process{}
		in.add(p)
		procs = append(procs, p)
	}
	started := procs[0]
	in.post(abi.RecordStart, started, func(*abi.RecordWriter) {}, nil)
	turn()
	for _, p := range procs[1:] {
		in.post(abi.RecordStart, p, func(*abi.RecordWriter) {}, nil)
	}
	message := func(p *process, text string) {
		if _, ok := in.postMessage(p, "", text, nil, maxBacklog, nil); !ok {
			t.Fatal("message refused")
		}
	}
	message(procs[11], "first")
	message(started, "ping")
	message(procs[11], "second")
	turn()
	turn()
	want := [][]string{
		{"start 1"},
		{"ping to 1", "start 2", "start 3", "start 4", "start 5", "start 6", "start 7", "start 8", "start 9"},
		{"start 10", "start 11", "start 12", "first to 12", "second to 12"},
	}
	if fmt.Sprint(g.steps) != fmt.Sprint(want) {
		t.Fatalf("batches\n%v\nwant\n%v", g.steps, want)
	}
	// Every START taken: the process's records go to the main queue again.
	message(procs[11], "third")
	turn()
	if got := g.steps[len(g.steps)-1]; fmt.Sprint(got) != "[third to 12]" {
		t.Fatalf("after its START: %v", got)
	}
	if !in.idleFor(procs[11]) {
		t.Error("an instance with nothing queued is not idle for a started process")
	}
}

// TestMailEndsABusyTurn: a busy instance's tick ends its turn when a record
// waits for one of its started processes (a message from another shard
// waits a tick of its receiver's neighbours, not a whole cpu_turn), and not
// for STARTs alone. Measured (a ping-pong pair across two shards beside 3
// busy loops of its tenant, sandbox): the loops ran 0.65-0.92 million
// instructions during the pair's 200 round trips, 4.7-5.2 million when the
// turn ended only at its budget.
func TestMailEndsABusyTurn(t *testing.T) {
	rt := New(Config{Shards: 1})
	t.Cleanup(rt.Close)
	ten, err := rt.AddTenant(TenantConfig{Name: "test", Native: true, Bundle: writeBundle(t, map[string]string{
		"main.lua": `return function() end`,
	})})
	if err != nil {
		t.Fatal(err)
	}
	in, err := ten.instanceFor(0)
	if err != nil {
		t.Fatal(err)
	}
	started, starting := &process{}, &process{}
	in.add(started)
	in.add(starting)
	in.mu.Lock()
	in.queued = true // as if in its shard's run queue: the shard takes no turn of it
	in.mu.Unlock()
	if st := in.Tick(0, 0); st != abi.OK {
		t.Fatalf("tick with nothing waiting: %v, want OK", st)
	}
	in.post(abi.RecordStart, starting, func(*abi.RecordWriter) {}, nil)
	if st := in.Tick(0, 0); st != abi.OK {
		t.Errorf("tick with a START waiting: %v, want OK (STARTs do not end a turn)", st)
	}
	if _, ok := in.postMessage(started, "", "ping", nil, maxBacklog, nil); !ok {
		t.Fatal("message refused")
	}
	if st := in.Tick(0, 0); st != abi.Yield {
		t.Errorf("tick with a message waiting: %v, want YIELD", st)
	}
}

// TestOneStartATurnWhileContended: while another tenant wants the
// processors, a turn applies one START (each is guest work no tick can
// interrupt, and a neighbour's message would wait for all of them); alone,
// a tenant's turn applies up to 8.
func TestOneStartATurnWhileContended(t *testing.T) {
	rt := &Runtime{procs: 2}
	spawner, neighbour := newFairShare(0), newFairShare(0)
	rt.tenants = []*Tenant{{share: spawner}, {share: neighbour}}
	g := &batchGuest{}
	in := &instance{tenant: &Tenant{rt: rt, share: spawner, limits: tenants.DefaultLimits()}, shard: &shard{}, g: g, procs: map[uint32]*process{}}
	in.queued = true // as if in its shard's run queue: nothing to schedule
	for range 20 {
		p := &process{}
		in.add(p)
		in.post(abi.RecordStart, p, func(*abi.RecordWriter) {}, nil)
	}
	rt.spendShare(spawner, time.Microsecond, time.Now())
	rt.weightAt.Store(0)
	in.turn()
	rt.spendShare(neighbour, time.Microsecond, time.Now()) // the neighbour has a turn too
	rt.weightAt.Store(0)
	in.turn()
	in.turn()
	want := "[[start 1 start 2 start 3 start 4 start 5 start 6 start 7 start 8] [start 9] [start 10]]"
	if got := fmt.Sprint(g.steps); got != want {
		t.Fatalf("batches %s, want %s", got, want)
	}
}
