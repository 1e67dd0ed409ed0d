package vm

import (
	"fmt"
	"slices"
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
)

// Waits are what a stuck run's report says each process is doing: the host
// knows who is alive and what is queued for whom, only the guest knows what
// a parked task waits on. Nothing here is on a hot path: waits are worked out
// from the channels' wait queues when asked, so a blocked task carries no
// description of its own.

// ProcessWaits is what one process's tasks wait on, one line per task (its
// main function first, then its coroutine.spawn tasks).
type ProcessWaits struct {
	Process uint32
	Waits   []string
}

// Waits describes every live process's tasks, by handle. Call it between
// steps only.
func (in *Instance) Waits() []ProcessWaits {
	out := make([]ProcessWaits, 0, len(in.procs))
	for h, p := range in.procs {
		pw := ProcessWaits{Process: h}
		for i, t := range p.tasks {
			what := p.waitOf(t)
			if i > 0 {
				what = "coroutine: " + what
			}
			pw.Waits = append(pw.Waits, what)
		}
		out = append(out, pw)
	}
	slices.SortFunc(out, func(a, b ProcessWaits) int { return int(a.Process) - int(b.Process) })
	return out
}

// waitOf says what task t waits on, in the words of the Lua API.
func (p *process) waitOf(t *task) string {
	w := t.wait
	if w == nil {
		if t.queued {
			return "runnable"
		}
		return "running"
	}
	for pid, cw := range p.rare.calls {
		if cw == w {
			return "process.call: waits for " + pid + " to exit"
		}
	}
	var what []string
	look := func(c *channel, name string) {
		if c == nil {
			return
		}
		if waitsIn(&c.recvq, w) {
			what = append(what, "receive on "+name)
		}
		if waitsIn(&c.sendq, w) {
			what = append(what, "send on "+name+" (full)")
		}
	}
	look(p.inbox, "its inbox")
	look(p.events, "its events")
	topics := make([]string, 0, len(p.rare.listeners))
	for topic := range p.rare.listeners {
		topics = append(topics, topic)
	}
	slices.Sort(topics)
	for _, topic := range topics {
		look(p.rare.listeners[topic].ch, fmt.Sprintf("process.listen(%q)", topic))
	}
	timers := 0
	for _, c := range p.rare.timers {
		if waitsIn(&c.recvq, w) {
			timers++
		}
	}
	if timers > 0 {
		what = append(what, "a timer (time.sleep or time.after)")
	}
	const own = "a channel of its own (channel.new)"
	if w.sending {
		return "send on a full channel of its own (channel.new)"
	}
	if w.cases > 1 {
		if len(what) < int(w.cases) {
			what = append(what, own)
		}
		return "select: " + strings.Join(what, " or ")
	}
	if len(what) == 0 {
		return own
	}
	return what[0]
}

// waitsIn reports whether wait w is among q's live wait cases.
func waitsIn(q *queue[*waitCase], w *waiter) bool {
	for _, c := range q.items[q.head:] {
		if c.w == w && !c.w.fired {
			return true
		}
	}
	return false
}

// EncodeWaits is the wire form of waits (abi.ExportWaits): a CBOR array of
// [handle, [text, ...]] pairs.
func EncodeWaits(ws []ProcessWaits) []byte {
	b := abi.AppendArray(nil, len(ws))
	for _, pw := range ws {
		b = abi.AppendArray(b, 2)
		b = abi.AppendInt(b, int64(pw.Process))
		b = abi.AppendArray(b, len(pw.Waits))
		for _, s := range pw.Waits {
			b = abi.AppendString(b, s)
		}
	}
	return b
}

// DecodeWaits reads what EncodeWaits wrote. The host does not trust the
// guest: anything malformed is an error, and texts are cut to maxWaitText.
func DecodeWaits(b []byte) ([]ProcessWaits, error) {
	d := abi.NewDecoder(b)
	bad := fmt.Errorf("malformed waits")
	top, err := d.Next()
	if err != nil || top.Type != abi.TypeArray {
		return nil, bad
	}
	var out []ProcessWaits
	for i := 0; i < top.Len; i++ {
		pair, err1 := d.Next()
		h, err2 := d.Next()
		list, err3 := d.Next()
		if err1 != nil || err2 != nil || err3 != nil || pair.Type != abi.TypeArray || pair.Len != 2 ||
			h.Type != abi.TypeInt || h.Int < 0 || h.Int > 1<<32-1 || list.Type != abi.TypeArray {
			return nil, bad
		}
		pw := ProcessWaits{Process: uint32(h.Int)}
		for j := 0; j < list.Len; j++ {
			s, err := d.Next()
			if err != nil || s.Type != abi.TypeString {
				return nil, bad
			}
			text := string(s.Str)
			if len(text) > maxWaitText {
				text = text[:maxWaitText]
			}
			pw.Waits = append(pw.Waits, text)
		}
		out = append(out, pw)
	}
	return out, nil
}

// maxWaitText bounds one wait's description as the host keeps it.
const maxWaitText = 512
