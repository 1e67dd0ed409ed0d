package lab

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// The goals every stress row is judged against.
const (
	minThroughputRatio = 0.80 // neighbour's round trips/s next to the attacker, over solo
	maxP99Ratio        = 5.0  // neighbour's p99 next to the attacker, over solo
)

// limitsSummary summarizes the limits that differ from the defaults.
func limitsSummary(l tenants.Limits) string {
	d := tenants.DefaultLimits()
	var parts []string
	add := func(key string, v, def int64, size bool) {
		if v == def {
			return
		}
		s := strconv.FormatInt(v, 10)
		if size && v%(1<<20) == 0 {
			s = strconv.FormatInt(v>>20, 10) + "MiB"
		} else if size && v%(1<<10) == 0 {
			s = strconv.FormatInt(v>>10, 10) + "KiB"
		}
		parts = append(parts, key+"="+s)
	}
	add("processes", int64(l.Processes), int64(d.Processes), false)
	add("spawns/s", int64(l.SpawnsPerSecond), int64(d.SpawnsPerSecond), false)
	add("mailbox", int64(l.Mailbox), int64(d.Mailbox), false)
	add("payload", l.Payload, d.Payload, true)
	add("names", int64(l.Names), int64(d.Names), false)
	add("links", int64(l.Links), int64(d.Links), false)
	add("call_depth", int64(l.CallDepth), int64(d.CallDepth), false)
	add("memory", l.Memory, d.Memory, true)
	if l.MemorySoft != l.Memory/4*3 {
		add("memory_soft", l.MemorySoft, -1, true)
	}
	add("memory_run", l.MemoryRun, d.MemoryRun, true)
	add("cpu_turn", l.CPUTurn, d.CPUTurn, false)
	add("cpu_total", l.CPUTotal, d.CPUTotal, false)
	add("cpu_rate", l.CPURate, d.CPURate, false)
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}

// judge sets Pass and Fails against the goals.
func judge(row *StressRow, ping, pong map[string]any) {
	f := func(format string, args ...any) { row.Fails = append(row.Fails, fmt.Sprintf(format, args...)) }
	if row.Solo.Rate > 0 {
		row.ThroughputRatio = row.Under.Rate / row.Solo.Rate
	}
	if row.Solo.P99 > 0 {
		row.P99Ratio = row.Under.P99 / row.Solo.P99
	}
	if row.ThroughputRatio < minThroughputRatio {
		f("throughput %.3fx of solo < %.2fx", row.ThroughputRatio, minThroughputRatio)
	}
	if !(row.P99Ratio < maxP99Ratio) {
		f("p99 %.1fx of solo >= %.0fx", row.P99Ratio, maxP99Ratio)
	}
	if ping == nil || pong == nil {
		f("good tenant gave no accounting")
	} else {
		if row.Lost != 0 {
			f("%d messages lost", row.Lost)
		}
		for _, p := range []struct {
			who string
			m   map[string]any
		}{{"ping", ping}, {"pong", pong}} {
			for _, k := range []string{"wrong", "stray", "send_errors"} {
				if n := count(p.m, k); n != 0 {
					f("%s: %d %s", p.who, n, strings.ReplaceAll(k, "_", " "))
				}
			}
		}
	}
	if row.After.RoundTrips == 0 {
		f("no round trip after the attack: the runtime no longer serves the good tenant")
	}
	if v, ok := row.Value.(map[string]any); ok {
		// An attacker's own message accounting, where it keeps one.
		if n := count(v, "lost"); n != 0 {
			f("attacker's own messages lost: %d", n)
		}
		if sur, ok := v["surprises"].([]any); ok && len(sur) > 0 {
			f("%d misuses accepted: %v", len(sur), sur)
		}
	}
	row.Fails = append(row.Fails, row.Errors...)
	row.Pass = len(row.Fails) == 0
	if row.End == "" && len(row.Errors) > 0 {
		row.End = "not measured: " + row.Errors[0]
	}
}
