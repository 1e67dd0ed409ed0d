package moonbox_test

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoConflictMarkers fails on a merge committed with its conflict
// markers in (one landed in README.md once).
func TestNoConflictMarkers(t *testing.T) {
	text := map[string]bool{".go": true, ".md": true, ".lua": true, ".yaml": true, ".csv": true, ".js": true, ".html": true, ".css": true, "": true}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") && name != ".ci" || name == "testdata" && strings.Contains(path, "fuzz")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !text[filepath.Ext(path)] || !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			if strings.HasPrefix(line, "<<<<<<< ") || strings.HasPrefix(line, ">>>>>>> ") {
				t.Errorf("%s:%d: a merge conflict marker: %s", path, n, line)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
