package vm

import (
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	lua "github.com/moonbox-runtime/moonbox/third_party/gopher-lua"
)

// Timers live in the host: a guest cannot sleep (in wasm that would block the
// whole instance), so time.after asks the host for a RecordTimer and returns
// a channel the record fills.

func parseDuration(v lua.LValue, fn string) (int64, *Error) {
	switch v := v.(type) {
	case lua.LNumber:
		if float64(v) < 0 || float64(v) > abi.MaxDurationMs {
			return 0, abi.Errorf(abi.Invalid, "%s: duration must be from 0 to %d milliseconds", fn, int64(abi.MaxDurationMs))
		}
		return int64(v), nil
	case lua.LString:
		d, err := time.ParseDuration(string(v))
		if err != nil || d < 0 || d.Milliseconds() > abi.MaxDurationMs {
			return 0, abi.Errorf(abi.Invalid, "%s: invalid duration %q (examples: \"5s\", \"250ms\")", fn, string(v))
		}
		return d.Milliseconds(), nil
	}
	return 0, abi.Errorf(abi.Invalid, "%s: duration must be a string or integer milliseconds, got %s", fn, typeName(v))
}

// maxTimers bounds the timers one process has pending (the host holds each
// until it fires); the same bound as the host's.
const maxTimers = 100_000

// after returns a channel that receives the time (Unix ms) after ms, or nil
// when the process has too many timers pending.
func (p *process) after(ms int64) *channel {
	r := p.more()
	if r.timers == nil {
		r.timers = map[uint32]*channel{}
	}
	if len(r.timers) >= maxTimers {
		return nil
	}
	r.nextTimer++
	c := newChannel(1)
	r.timers[r.nextTimer] = c
	p.in.host.Timer(p.handle, r.nextTimer, ms)
	return c
}

func (p *process) fireTimer(id uint32) {
	if c := p.rare.timers[id]; c != nil {
		delete(p.rare.timers, id)
		c.push(lua.LNumber(time.Now().UnixMilli()))
	}
}

func (in *Instance) openTime() *lua.LTable {
	L := in.L
	return L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"now": func(L *lua.LState) int { L.Push(lua.LNumber(time.Now().UnixMilli())); return 1 },
		"after": func(L *lua.LState) int {
			ms, err := parseDuration(L.Get(1), "time.after")
			if err != nil {
				return failure(L, err)
			}
			c := in.current().proc.after(ms)
			if c == nil {
				return failure(L, abi.Errorf(abi.RateLimited, "time.after: %d timers already pending", maxTimers))
			}
			L.Push(in.channelValue(c))
			return 1
		},
		"sleep": func(L *lua.LState) int {
			ms, err := parseDuration(L.Get(1), "time.sleep")
			if err != nil {
				return failure(L, err)
			}
			t := in.current()
			c := t.proc.after(ms)
			if c == nil {
				return failure(L, abi.Errorf(abi.RateLimited, "time.sleep: %d timers already pending", maxTimers))
			}
			t.waited()
			return c.awaitReceive(L, t, finishSleep) // a new timer has fired in no case
		},
	})
}

func finishSleep(_ *task, L *lua.LState, _ *waiter) int { return ok(L) }
