package lab

import (
	"fmt"
	"strconv"

	"github.com/moonbox-runtime/moonbox/host"
)

// The messaging workloads: one-way sends (send, sendN, scaling), round trips
// (pingpong), a scatter-gather (fanout) and process.call of a Lua callee.

// --- send, sendN, scaling ------------------------------------------------

const (
	benchSendWindow   = 5_000 // unacknowledged messages a sender may have
	benchSendAckEvery = 1_000 // a receiver acks every this many
)

// sendRun runs pairs sender -> receiver pairs, total messages in all.
// placement is "same" (sender on its receiver's shard), "cross" (on the
// next shard) or "hash" (wherever its PID hashes to). It returns messages/s
// and how many pairs crossed shards.
func (e *env) sendRun(pairs, total int, placement string) (float64, int, error) {
	per := max(1, total/pairs)
	type proc struct {
		pid  string
		exit <-chan host.Exit
	}
	var procs []proc
	var senders []string
	cross := 0
	for range pairs {
		rpid, rexit, err := e.spawn("receiver", strconv.Itoa(per), strconv.Itoa(benchSendAckEvery))
		if err != nil {
			return 0, 0, err
		}
		sargs := []string{rpid, strconv.Itoa(per), strconv.Itoa(benchSendWindow)}
		var spid string
		var sexit <-chan host.Exit
		switch placement {
		case "same":
			spid, sexit, err = e.spawnOn(e.shardOf(rpid), "sender", sargs...)
		case "cross":
			spid, sexit, err = e.spawnOn((e.shardOf(rpid)+1)%e.shards, "sender", sargs...)
		default:
			spid, sexit, err = e.spawn("sender", sargs...)
		}
		if err != nil {
			return 0, 0, err
		}
		if e.shardOf(spid) != e.shardOf(rpid) {
			cross++
		}
		procs = append(procs, proc{rpid, rexit}, proc{spid, sexit})
		senders = append(senders, spid)
	}
	if err := e.barrier(); err != nil { // every sender waits for "go"
		return 0, 0, err
	}
	v, err := e.run("coord", senders...)
	if err != nil {
		return 0, 0, err
	}
	for _, p := range procs {
		if _, err := e.wait(p.pid, p.exit); err != nil {
			return 0, 0, err
		}
	}
	if got := num(v, "messages"); got != float64(per*pairs) {
		return 0, 0, fmt.Errorf("receivers counted %v messages, want %d", got, per*pairs)
	}
	return float64(per*pairs) / num(v, "secs"), cross, nil
}

func (b *bench) runSend(name string, native bool) (*result, error) {
	e, err := b.start("send", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r := &result{}
	r.info("messages", total)
	placements := []string{"same"}
	if b.Shards > 1 {
		placements = append(placements, "cross")
	}
	for _, pl := range placements {
		if _, _, err := e.sendRun(1, b.size(20_000, 2_000), pl); err != nil { // warm-up
			return nil, err
		}
		fig, err := reps(repeats, func() (map[string]float64, error) {
			v, _, err := e.sendRun(1, total, pl)
			return map[string]float64{"v": v}, err
		})
		if err != nil {
			return nil, err
		}
		label := map[string]string{"same": "1->1, same shard", "cross": "1->1, other shard"}[pl]
		r.add("msgs_per_s_"+pl+"_shard", label, "msg/s", fig["v"])
	}
	return r, nil
}

func (b *bench) runSendN(name string, pairs int, native bool) (*result, error) {
	e, err := b.start("send", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r, err := b.sendNFigure(e, pairs, total, fmt.Sprintf("%d->%d, by PID hash", pairs, pairs))
	if err != nil {
		return nil, err
	}
	r.info("messages", total)
	return r, nil
}

func (b *bench) sendNFigure(e *env, pairs, total int, label string) (*result, error) {
	if _, _, err := e.sendRun(pairs, b.size(20_000, 2_000), "hash"); err != nil { // warm-up
		return nil, err
	}
	var crossed []int
	fig, err := reps(repeats, func() (map[string]float64, error) {
		v, cross, err := e.sendRun(pairs, total, "hash")
		crossed = append(crossed, cross)
		return map[string]float64{"v": v}, err
	})
	if err != nil {
		return nil, err
	}
	r := &result{}
	r.add("msgs_per_s", label, "msg/s", fig["v"])
	r.info("pairs", pairs)
	r.info("cross_shard_pairs_per_run", crossed)
	return r, nil
}

func (b *bench) runScaling(native bool) (*result, error) {
	total := b.sizeFor(native, 100_000, 1_000_000, 20_000)
	r := &result{Shards: 2}
	var figs [2]float64
	for i, shards := range []int{1, 2} {
		e, err := b.start("send", native, shards)
		if err != nil {
			return nil, err
		}
		fr, err := b.sendNFigure(e, 16, total, "")
		e.close()
		if err != nil {
			return nil, err
		}
		figs[i], _ = fr.get("msgs_per_s")
		r.add(fmt.Sprintf("msgs_per_s_%d_shard", shards), fmt.Sprintf("send16, %d shard(s)", shards), "msg/s", figs[i])
	}
	r.add("speedup", "speedup 2 shards / 1", "x", figs[1]/figs[0])
	r.info("messages", total)
	return r, nil
}

// --- pingpong, fanout, call -------------------------------------------------

func (b *bench) runPingPong(native bool) (*result, error) {
	e, err := b.start("pingpong", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.sizeFor(native, 20_000, 200_000, 2_000)
	warm := b.size(2_000, 100)
	r := &result{}
	r.info("round_trips", n)
	placements := []string{"same"}
	if b.Shards > 1 {
		placements = append(placements, "cross")
	}
	var clockCost []float64
	for _, pl := range placements {
		once := func(n int) (map[string]any, error) {
			ping, exit, err := e.spawn("ping", strconv.Itoa(n), strconv.Itoa(warm))
			if err != nil {
				return nil, err
			}
			target := e.shardOf(ping)
			if pl == "cross" {
				target = (target + 1) % e.shards
			}
			pong, pexit, err := e.spawnOn(target, "pong")
			if err != nil {
				return nil, err
			}
			if err := e.post(ping, "go", pong); err != nil {
				return nil, err
			}
			x, err := e.wait(ping, exit)
			if err != nil {
				return nil, err
			}
			if _, err := e.wait(pong, pexit); err != nil {
				return nil, err
			}
			return figures(x.Value), nil
		}
		if _, err := once(warm); err != nil {
			return nil, err
		}
		fig, err := reps(repeats, func() (map[string]float64, error) {
			v, err := once(n)
			if err != nil {
				return nil, err
			}
			clockCost = append(clockCost, num(v, "clock"))
			return map[string]float64{"rate": num(v, "n") / num(v, "secs"), "p50": num(v, "p50") * 1e6, "p99": num(v, "p99") * 1e6, "max": num(v, "max") * 1e6}, nil
		})
		if err != nil {
			return nil, err
		}
		where := map[string]string{"same": "same shard", "cross": "other shard"}[pl]
		r.add("rt_per_s_"+pl+"_shard", "round trips, "+where, "rt/s", fig["rate"])
		r.add("mean_us_"+pl+"_shard", "  mean round trip", "µs", 1e6/fig["rate"])
		r.add("p50_us_"+pl+"_shard", "  p50 round trip", "µs", fig["p50"])
		r.add("p99_us_"+pl+"_shard", "  p99 round trip", "µs", fig["p99"])
		r.info("max_us_"+pl+"_shard", roundSig(fig["max"], 4))
	}
	r.info("note", fmt.Sprintf("one os.clock() call costs %.3f µs (median), inside every round-trip figure", median(clockCost)*1e6))
	return r, nil
}

func (b *bench) runFanout(native bool) (*result, error) {
	e, err := b.start("fanout", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	k := b.size(100, 10)
	rounds := b.sizeFor(native, 300, 3_000, 100)
	warm := b.size(100, 10)
	if _, err := e.run("main", strconv.Itoa(k), strconv.Itoa(warm), "1"); err != nil { // warm-up
		return nil, err
	}
	fig, err := reps(repeats, func() (map[string]float64, error) {
		v, err := e.run("main", strconv.Itoa(k), strconv.Itoa(rounds), strconv.Itoa(warm))
		if err != nil {
			return nil, err
		}
		return map[string]float64{"rate": num(v, "n") / num(v, "secs"), "p50": num(v, "p50") * 1e6, "p99": num(v, "p99") * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	r := &result{}
	r.add("rounds_per_s", fmt.Sprintf("rounds (K=%d)", k), "rounds/s", fig["rate"])
	r.add("msgs_per_s", "  messages (2K per round)", "msg/s", fig["rate"]*float64(2*k))
	r.add("p50_us", "  p50 round", "µs", fig["p50"])
	r.add("p99_us", "  p99 round", "µs", fig["p99"])
	r.info("k", k)
	r.info("rounds", rounds)
	return r, nil
}

func (b *bench) runCall(native bool) (*result, error) {
	e, err := b.start("call", native, b.Shards)
	if err != nil {
		return nil, err
	}
	defer e.close()
	n := b.sizeFor(native, 3_000, 20_000, 500)
	warm := b.size(500, 50)
	if _, err := e.run("main", strconv.Itoa(warm), "1"); err != nil { // warm-up
		return nil, err
	}
	fig, err := reps(repeats, func() (map[string]float64, error) {
		v, err := e.run("main", strconv.Itoa(n), strconv.Itoa(warm))
		if err != nil {
			return nil, err
		}
		return map[string]float64{"mean": num(v, "secs") / num(v, "n") * 1e6, "p50": num(v, "p50") * 1e6, "p99": num(v, "p99") * 1e6}, nil
	})
	if err != nil {
		return nil, err
	}
	r := &result{}
	r.add("mean_us", "process.call, mean", "µs", fig["mean"])
	r.add("calls_per_s", "  calls", "calls/s", 1e6/fig["mean"])
	r.add("p50_us", "  p50", "µs", fig["p50"])
	r.add("p99_us", "  p99", "µs", fig["p99"])
	r.info("calls", n)
	return r, nil
}
