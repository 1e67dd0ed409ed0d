package tenants

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/moonbox-runtime/moonbox/third_party/gopher-lua/parse"
)

// Source is a validated Lua source of a bundle.
type Source struct {
	ID   string
	Text string
}

// Bundle is a directory of Lua sources. It is safe for concurrent use. A
// source is re-read when its file changes, so process.upgrade picks up new code.
type Bundle struct {
	root  string
	dir   *os.Root // every read goes through it: no path or symlink leaves the bundle
	mu    sync.Mutex
	cache map[string]*cached
}

type cached struct {
	mod  time.Time
	size int64
	src  *Source
	err  *abi.Error
}

// OpenBundle opens the bundle rooted at dir.
func OpenBundle(dir string) (*Bundle, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("bundle %s: not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", dir, err)
	}
	return &Bundle{root: dir, dir: root, cache: map[string]*cached{}}, nil
}

// Root is the bundle's directory.
func (b *Bundle) Root() string { return b.root }

// SourcePath maps a source ID to its path relative to the bundle root. Each
// part must be a plain name: letters, digits, '_' and '-'.
func SourcePath(id string) (string, error) {
	ns, name, hasNS := strings.Cut(id, ":")
	if !hasNS {
		ns, name = "", id
	}
	var parts []string
	if hasNS {
		if ns == "" {
			return "", fmt.Errorf("source ID %q: empty namespace", id)
		}
		parts = strings.Split(ns, ".")
	}
	parts = append(parts, name)
	for _, p := range parts {
		if !plainName(p) {
			return "", fmt.Errorf("source ID %q: %q is not a plain name (letters, digits, _ and -)", id, p)
		}
	}
	return filepath.Join(parts...) + ".lua", nil
}

func plainName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// maxSourceIDs bounds how many sources SourceIDs lists.
const maxSourceIDs = 10_000

// SourceIDs lists the source IDs of the bundle's .lua files, sorted:
// main.lua is "main", app/workers/handler.lua "app.workers:handler". Files
// whose path is no source ID (a part that is not a plain name) are left out.
func (b *Bundle) SourceIDs() ([]string, error) {
	var ids []string
	err := fs.WalkDir(b.dir.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".lua") {
			return nil
		}
		parts := strings.Split(strings.TrimSuffix(path, ".lua"), "/")
		id := parts[len(parts)-1]
		if len(parts) > 1 {
			id = strings.Join(parts[:len(parts)-1], ".") + ":" + id
		}
		if rel, err := SourcePath(id); err == nil && filepath.ToSlash(rel) == path {
			ids = append(ids, id)
		}
		if len(ids) > maxSourceIDs {
			return fmt.Errorf("bundle %s: more than %d sources", b.root, maxSourceIDs)
		}
		return nil
	})
	slices.Sort(ids)
	return ids, err
}

// Source returns the validated source of id, or why it cannot be used: a
// NOT_FOUND error for a missing file or a malformed ID, INVALID for a syntax
// error.
func (b *Bundle) Source(id string) (*Source, *abi.Error) {
	rel, err := SourcePath(id)
	if err != nil {
		return nil, &abi.Error{Status: abi.NotFound, Message: err.Error()}
	}
	st, err := b.dir.Stat(rel)
	if err != nil || !st.Mode().IsRegular() {
		return nil, &abi.Error{Status: abi.NotFound, Message: fmt.Sprintf("source %s not found (no file %s in the bundle)", id, rel)}
	}
	b.mu.Lock()
	c := b.cache[id]
	b.mu.Unlock()
	if c != nil && c.mod.Equal(st.ModTime()) && c.size == st.Size() {
		return c.src, c.err
	}
	c = b.load(id, rel, st)
	b.mu.Lock()
	b.cache[id] = c
	b.mu.Unlock()
	return c.src, c.err
}

func (b *Bundle) load(id, rel string, st fs.FileInfo) *cached {
	c := &cached{mod: st.ModTime(), size: st.Size()}
	if st.Size() > abi.MaxSource {
		c.err = &abi.Error{Status: abi.Invalid, Message: fmt.Sprintf("source %s is larger than %d bytes", id, abi.MaxSource)}
		return c
	}
	text, err := b.dir.ReadFile(rel)
	if err != nil {
		c.err = &abi.Error{Status: abi.NotFound, Message: fmt.Sprintf("source %s: %v", id, errors.Unwrap(err))}
		return c
	}
	if err := Check(filepath.ToSlash(rel), string(text)); err != nil {
		c.err = err
		return c
	}
	c.src = &Source{ID: id, Text: string(text)}
	return c
}

// Check parses a Lua source and reports a syntax error as Invalid, as a
// compiler does: "path:line:col: message" (path is how the message names the
// file: Bundle.Source gives its path in the bundle, app/workers/handler.lua).
func Check(path, text string) (serr *abi.Error) {
	defer func() { // the parser is not ours: never let it take the host down
		if r := recover(); r != nil {
			serr = &abi.Error{Status: abi.Invalid, Message: fmt.Sprintf("%s: cannot parse: %v", path, r)}
		}
	}()
	if _, err := parse.Parse(strings.NewReader(text), path); err != nil {
		return &abi.Error{Status: abi.Invalid, Message: syntaxMessage(path, text, err)}
	}
	return nil
}

// syntaxMessage renders a parse error as "path:line:col: message near 'token'"
// instead of gopher-lua's "path line:2(column:13) near '=':   message".
func syntaxMessage(path, text string, err error) string {
	var pe *parse.Error
	if !errors.As(err, &pe) {
		return fmt.Sprintf("%s: %s", path, strings.TrimSpace(err.Error()))
	}
	msg := strings.TrimSpace(pe.Message)
	if pe.Pos.Line == parse.EOF {
		return fmt.Sprintf("%s:%d: %s at the end of the file", path, strings.Count(text, "\n")+1, msg)
	}
	if pe.Token != "" {
		msg += fmt.Sprintf(" near '%s'", pe.Token)
	}
	if pe.Pos.Column <= 0 {
		return fmt.Sprintf("%s:%d: %s", path, pe.Pos.Line, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", path, pe.Pos.Line, pe.Pos.Column, msg)
}
