package main

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// copyLua writes the .lua files of directory src of fsys into dir, so an
// embedded bundle (bench workloads, stress tenants) can be opened like any
// other: the binary works from any directory.
func copyLua(fsys fs.FS, src, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, err := fs.ReadDir(fsys, src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".lua") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(src, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
