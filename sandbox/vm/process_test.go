package vm

import (
	"reflect"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

// TestRareStateIsOwn: the state few processes use (listeners, events,
// timers, process.call waits) is made for the process that uses it, and the
// empty part every other process reads (noRare) is never written: a process
// that listens and sets a timer leaves its idle neighbour, and noRare, as
// they were.
func TestRareStateIsOwn(t *testing.T) {
	host := &logHost{exitHost: exitHost{exits: map[uint32]bool{}}}
	in := New(host, Options{})
	defer in.Close()
	var w abi.RecordWriter
	startRecord(&w, 1, `return function()
		local ch = process.listen("news")
		local ev = process.events()
		local timer = time.after(1000)
		local m = ch:receive()
		print("news", m)
		process.unlisten(ch)
		return true
	end`)
	startRecord(&w, 2, `return function() process.inbox():receive() end`)
	if _, err := in.Step(w.Batch(), 1e9); err != nil {
		t.Fatal(err)
	}
	w.Reset()
	busy, idle := in.procs[1], in.procs[2]
	if busy == nil || idle == nil {
		t.Fatal("a process did not start")
	}
	if busy.rare == noRare || busy.rare.listeners["news"] == nil || len(busy.rare.timers) != 1 {
		t.Fatalf("the listening process's own state: %+v", busy.rare)
	}
	if idle.rare != noRare {
		t.Fatal("an idle process has a rare part of its own")
	}
	w.Begin(abi.RecordMessage, 1)
	w.Bytes([]byte("{from}"))
	w.Bytes([]byte("news"))
	w.Bytes(abi.AppendString(abi.AppendArray(nil, 1), "hi"))
	w.End()
	if _, err := in.Step(w.Batch(), 1e9); err != nil {
		t.Fatal(err)
	}
	if len(host.lines) != 1 || host.lines[0] != "news\thi" {
		t.Fatalf("printed %q", host.lines)
	}
	if abnormal, ok := host.exits[1]; !ok || abnormal {
		t.Fatalf("the listening process's exit: abnormal %v (exited %v)", abnormal, ok)
	}
	if !reflect.DeepEqual(*noRare, processRare{}) {
		t.Fatalf("noRare was written: %+v", *noRare)
	}
}
