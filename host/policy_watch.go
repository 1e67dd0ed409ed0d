package host

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/moonbox-runtime/moonbox/policies"
)

// Replacing a policy file: write the new policy to another file in the same
// directory and rename it over the old one. The rename is atomic, so the
// watcher sees either the old file or the whole new one, and takes the new
// one at once (a revocation is in force ~5 ms after the rename). A file
// rewritten in place is read while it is being written: a truncated file
// whose first lines parse is a valid, different policy (the rest of the file
// may be the denials). So a file written in place is taken only once it has
// been quiet for the settle time and reads the same twice.

// renameSettle is how long the watcher waits after a file appears under the
// policy's name (a rename, or a create) before it reads it: a create is
// followed by writes within microseconds, a rename by none.
const renameSettle = 5 * time.Millisecond

// WatchPolicy reloads the tenant's policy whenever the file at path is
// replaced or changed: a file renamed into place within ~5 ms, a file
// written in place once it has been quiet for settle (and reads the same
// twice). The new file is parsed to the side and swapped in atomically; a
// malformed one is reported through Config.Warn and the policy in force
// stays. It watches the file's directory with fsnotify (inotify, kqueue,
// ReadDirectoryChangesW); where that is unavailable it polls every settle.
// It stops when the runtime closes.
func (t *Tenant) WatchPolicy(path string, settle time.Duration) {
	w := &policyWatch{t: t, path: filepath.Clean(path), settle: settle}
	w.last, _ = w.read()
	watcher, err := fsnotify.NewWatcher()
	if err == nil {
		err = watcher.Add(filepath.Dir(w.path))
	}
	if err != nil {
		t.rt.cfg.Warn(t.name, fmt.Sprintf("policy file not watched for changes (%v): polling it every %v", err, settle))
		if watcher != nil {
			watcher.Close()
		}
		go w.poll()
		return
	}
	go w.watch(watcher)
}

// policyWatch follows one policy file.
type policyWatch struct {
	t      *Tenant
	path   string
	settle time.Duration
	last   []byte // the contents last taken (or found at the start)
}

// watch takes the file after each burst of events on it.
func (w *policyWatch) watch(watcher *fsnotify.Watcher) {
	defer watcher.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case <-w.t.rt.done:
			return
		case ev, open := <-watcher.Events:
			if !open {
				return
			}
			if filepath.Clean(ev.Name) != w.path {
				continue
			}
			switch {
			case ev.Has(fsnotify.Write):
				// Written in place: wait for quiet, whatever came before.
				timer.Reset(w.settle)
			case ev.Has(fsnotify.Create):
				timer.Reset(renameSettle)
			}
			// Remove, Rename away, Chmod: the policy in force stays.
		case err, open := <-watcher.Errors:
			if !open {
				return
			}
			w.t.rt.cfg.Warn(w.t.name, fmt.Sprintf("watching the policy file: %v", err))
		case <-timer.C:
			if !w.take() {
				timer.Reset(w.settle) // changed while read: wait for quiet again
			}
		}
	}
}

// poll is watch without notifications: a file is taken when two readings a
// settle apart agree.
func (w *policyWatch) poll() {
	tick := time.NewTicker(w.settle)
	defer tick.Stop()
	var seen []byte
	for {
		select {
		case <-w.t.rt.done:
			return
		case <-tick.C:
		}
		data, err := w.read()
		if err != nil || bytes.Equal(data, w.last) {
			continue
		}
		if bytes.Equal(data, seen) {
			w.load(data)
		}
		seen = data
	}
}

// take reads the file and puts it in force if it is new and was not being
// changed while it was read; it reports false when it was.
func (w *policyWatch) take() bool {
	before, err := os.Stat(w.path)
	if err != nil {
		return true // gone: the policy in force stays
	}
	data, err := w.read()
	if err != nil {
		return true
	}
	after, err := os.Stat(w.path)
	if err != nil || !os.SameFile(before, after) || after.Size() != int64(len(data)) || !after.ModTime().Equal(before.ModTime()) {
		return false
	}
	if !bytes.Equal(data, w.last) {
		w.load(data)
	}
	return true
}

func (w *policyWatch) read() ([]byte, error) {
	f, err := os.Open(w.path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, policies.MaxFileSize+1))
}

// load parses data and swaps it in, or warns and keeps the policy in force.
func (w *policyWatch) load(data []byte) {
	w.last = data
	p, err := policies.Parse(w.path, data)
	if err != nil {
		w.t.rt.cfg.Warn(w.t.name, fmt.Sprintf("policy not reloaded, the previous one stays in force: %v", err))
		return
	}
	w.t.SetPolicy(p)
}
