package host

import (
	"fmt"
	"os"
	"time"
)

// WatchPolicy reloads the tenant's policy whenever the file at path changes
// (polled every interval): the new file is parsed to the side and swapped in
// atomically; a malformed one is reported through Config.Warn and the old
// policy stays in force. It stops when the runtime closes.
func (t *Tenant) WatchPolicy(path string, interval time.Duration) {
	st, _ := os.Stat(path)
	go func() {
		tick := time.NewTicker(interval)
		defer tick.Stop()
		last := st
		for {
			select {
			case <-t.rt.done:
				return
			case <-tick.C:
			}
			cur, err := os.Stat(path)
			if err != nil || (last != nil && cur.ModTime().Equal(last.ModTime()) && cur.Size() == last.Size()) {
				continue
			}
			last = cur
			if err := t.ReloadPolicy(path); err != nil {
				t.rt.cfg.Warn(t.name, fmt.Sprintf("policy not reloaded, the previous one stays in force: %v", err))
			}
		}
	}()
}
