package lab

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// The Lua side of the lab: the bench's workloads (workloads/, one bundle a
// directory plus common/) and the stress run's well-behaved tenants
// (stress/good, stress/control). They are embedded so the binary works from
// any directory, and written out as bundles before a run opens them.
//
//go:embed workloads stress
var luaFS embed.FS

// writeLua writes the .lua files of directory src of luaFS into dir, so an
// embedded bundle can be opened like any other.
func writeLua(src, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := fs.ReadDir(luaFS, src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".lua") {
			continue
		}
		data, err := fs.ReadFile(luaFS, path.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bundles writes embedded bundles into one temporary directory, each once.
type bundles struct {
	prefix string // of the temporary directory's name
	tmp    string
	dirs   map[string]string // bundle name -> its directory
}

// dir returns the bundle called name, made of the embedded directories srcs
// (written in order: a later file of the same name wins).
func (b *bundles) dir(name string, srcs ...string) (string, error) {
	if dir, ok := b.dirs[name]; ok {
		return dir, nil
	}
	if b.tmp == "" {
		tmp, err := os.MkdirTemp("", b.prefix)
		if err != nil {
			return "", err
		}
		b.tmp, b.dirs = tmp, map[string]string{}
	}
	dir := filepath.Join(b.tmp, name)
	for _, src := range srcs {
		if err := writeLua(src, dir); err != nil {
			return "", err
		}
	}
	b.dirs[name] = dir
	return dir, nil
}

// remove deletes every bundle written.
func (b *bundles) remove() {
	if b.tmp != "" {
		os.RemoveAll(b.tmp)
	}
}
