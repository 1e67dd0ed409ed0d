package host

import (
	"reflect"
	"testing"
)

// TestTiesAreOwn: a process that links, monitors, registers a name and
// sets a timer does so in ties of its own: noTies, what every process
// without ties reads, is never written.
func TestTiesAreOwn(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			_, ten, _ := newTestRuntime(t, m.native, 2, writeBundle(t, map[string]string{
				"main.lua": `return function()
					local a = assert(process.spawn_linked("idle", "app:processes"))
					local b = assert(process.spawn_monitored("idle", "app:processes"))
					assert(process.registry.register("main"))
					time.sleep(1)
					process.terminate(b)
					local ev = process.events():receive()
					assert(ev.kind == process.event.EXIT, ev.kind)
					process.unlink(a)
					process.terminate(a)
					return true
				end`,
				"idle.lua": `return function() process.inbox():receive() end`,
			}))
			_, exit, err := ten.Spawn("main", DefaultHost, nil)
			if err != nil {
				t.Fatal(err)
			}
			if e := wait(t, exit); e.Abnormal {
				t.Fatal(e.Error)
			}
			if !reflect.DeepEqual(*noTies, processTies{}) {
				t.Fatalf("noTies was written: %+v", *noTies)
			}
		})
	}
}
