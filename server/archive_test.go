package server

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// entry is one member of a test archive.
type entry struct {
	name string
	body string
	typ  byte   // tar type; 0 is a regular file
	link string // for links
	size int64  // declared size when not len(body)
}

func tarGz(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(plainTar(t, entries...))
	zw.Close()
	return buf.Bytes()
}

func plainTar(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: e.typ, Linkname: e.link}
		if e.typ == 0 {
			h.Typeflag = tar.TypeReg
		}
		if e.typ != 0 && e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	tw.Close()
	return buf.Bytes()
}

func zipOf(t testing.TB, entries ...entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		switch e.typ {
		case tar.TypeSymlink:
			h.SetMode(fs.ModeSymlink | 0o777)
		case tar.TypeDir:
			h.SetMode(fs.ModeDir | 0o755)
		default:
			h.SetMode(0o644)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

var bundle = []entry{
	{name: "tenant.yaml", body: "name: acme\n"},
	{name: "app/", typ: tar.TypeDir},
	{name: "app/api.lua", body: "return function() end\n"},
	{name: "policy.csv", body: "p, app:api, send, *, allow\n"},
}

func names(a *Archive) string {
	var out []string
	for _, f := range a.Files {
		n := f.Name
		if f.Dir {
			n += "/"
		}
		out = append(out, n)
	}
	return strings.Join(out, " ")
}

func TestUnpack(t *testing.T) {
	wrapped := []entry{{name: "./acme/", typ: tar.TypeDir}}
	for _, e := range bundle {
		wrapped = append(wrapped, entry{name: "./acme/" + e.name, body: e.body, typ: e.typ})
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"tar.gz", tarGz(t, bundle...)},
		{"tar", plainTar(t, bundle...)},
		{"zip", zipOf(t, bundle...)},
		{"tar.gz in a top directory", tarGz(t, wrapped...)},
		{"zip in a top directory", zipOf(t, wrapped[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Unpack(tt.data, DefaultUploads)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := names(a), "app/ app/api.lua policy.csv tenant.yaml"; got != want {
				t.Errorf("files %q, want %q", got, want)
			}
			if a.Size != int64(len("name: acme\n")+len("return function() end\n")+len("p, app:api, send, *, allow\n")) {
				t.Errorf("size %d", a.Size)
			}
			dir := t.TempDir()
			if err := a.WriteTo(dir); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(filepath.Join(dir, "app", "api.lua"))
			if err != nil || string(got) != "return function() end\n" {
				t.Errorf("written: %q, %v", got, err)
			}
		})
	}
}

func TestUnpackRefuses(t *testing.T) {
	small := UploadLimits{MaxSize: 4 << 10, MaxFiles: 8, MaxFile: 1 << 10}
	many := make([]entry, 9)
	for i := range many {
		many[i] = entry{name: strings.Repeat("f", i+1) + ".lua", body: "x"}
	}
	var bombs []entry
	for i := range 8 {
		bombs = append(bombs, entry{name: string(rune('a'+i)) + ".lua", body: strings.Repeat("0", 1000)})
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "the upload is empty"},
		{"garbage", []byte("hello, this is not an archive"), "not a .tar.gz, .tar or .zip"},
		{"truncated gzip", tarGz(t, bundle...)[:30], "bundle archive"},
		{"dot dot", tarGz(t, entry{name: "../evil.lua", body: "x"}), `"../evil.lua": the path leaves the bundle directory`},
		{"dot dot inside", tarGz(t, entry{name: "app/../../evil.lua", body: "x"}), "the path leaves the bundle"},
		{"dot dot that stays", tarGz(t, entry{name: "app/../x.lua", body: "x"}), "a .. in the path"},
		{"absolute", tarGz(t, entry{name: "/etc/passwd", body: "x"}), "an absolute path"},
		{"backslash", zipOf(t, entry{name: `..\evil.lua`, body: "x"}), "a backslash"},
		{"symlink", tarGz(t, entry{name: "policy.csv", typ: tar.TypeSymlink, link: "/etc/passwd"}), "links are not allowed"},
		{"hard link", tarGz(t, entry{name: "policy.csv", typ: tar.TypeLink, link: "../../etc/passwd"}), "links are not allowed"},
		{"zip symlink", zipOf(t, entry{name: "policy.csv", typ: tar.TypeSymlink, body: "/etc/passwd"}), "links are not allowed"},
		{"device", tarGz(t, entry{name: "dev", typ: tar.TypeChar}), "not a regular file or directory"},
		{"fifo", tarGz(t, entry{name: "fifo", typ: tar.TypeFifo}), "not a regular file or directory"},
		{"duplicate", tarGz(t, entry{name: "a.lua", body: "1"}, entry{name: "./a.lua", body: "2"}), `"./a.lua": twice in the archive`},
		{"file then directory", tarGz(t, entry{name: "a", body: "1"}, entry{name: "a/b.lua", body: "2"}), "a is a file, not a directory"},
		{"directory then file", tarGz(t, entry{name: "a/b.lua", body: "2"}, entry{name: "a", body: "1"}), "twice in the archive"},
		{"too many files", tarGz(t, many...), "more than 8 files"},
		{"too many zip files", zipOf(t, many...), "more than 8 files"},
		{"file too large", tarGz(t, entry{name: "big.lua", body: strings.Repeat("x", 2000)}), `"big.lua": 2000 bytes, larger than the 1KiB`},
		{"zip bomb", zipOf(t, entry{name: "bomb.lua", body: strings.Repeat("\x00", 10<<20)}), `"bomb.lua": 10MiB, larger than the 1KiB`},
		{"total too large", tarGz(t, bombs...), "add up to more than 4KiB"},
		{"too deep", tarGz(t, entry{name: strings.Repeat("d/", 40) + "x.lua", body: "x"}), "more than 32 directories deep"},
		{"only directories", tarGz(t, entry{name: "a/", typ: tar.TypeDir}), "holds no files"},
		{"NUL", zipOf(t, entry{name: "a\x00b", body: "x"}), "a NUL byte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Unpack(tt.data, small)
			var ae *ArchiveError
			if !errors.As(err, &ae) || a != nil {
				t.Fatalf("got %v, %v; want an ArchiveError", a, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to say %q", err, tt.want)
			}
		})
	}
}

// A zip entry whose header understates its size is read no further than
// the size it declares.
func TestUnpackLyingZip(t *testing.T) {
	// A zip entry that declares 10 bytes and inflates to 100 KiB.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var body bytes.Buffer
	fw, _ := flateWriter(&body)
	fw.Write(bytes.Repeat([]byte{'a'}, 100<<10))
	fw.Close()
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "liar.lua", Method: zip.Deflate, CompressedSize64: uint64(body.Len()), UncompressedSize64: 10})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body.Bytes())
	zw.Close()
	_, err = Unpack(buf.Bytes(), UploadLimits{MaxSize: 1 << 20, MaxFiles: 10, MaxFile: 4 << 10})
	// archive/zip refuses data past the declared size itself
	if err == nil || !strings.Contains(err.Error(), `"liar.lua": zip: not a valid zip file`) {
		t.Fatalf("got %v", err)
	}
}

func FuzzUnpack(f *testing.F) {
	f.Add(tarGz(f, bundle...))
	f.Add(zipOf(f, bundle...))
	f.Add(plainTar(f, bundle...))
	f.Add(tarGz(f, entry{name: "../x", body: "x"}, entry{name: "l", typ: tar.TypeSymlink, link: "/"}))
	f.Add(zipOf(f, entry{name: "a/", typ: tar.TypeDir}, entry{name: "a/b", body: "b"}))
	lim := UploadLimits{MaxSize: 64 << 10, MaxFiles: 32, MaxFile: 16 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Unpack(data, lim)
		if err != nil {
			var ae *ArchiveError
			if a != nil || !errors.As(err, &ae) {
				t.Fatalf("%v, %#v", a, err)
			}
			return
		}
		var total int64
		seen := map[string]bool{}
		for _, f := range a.Files {
			if !fs.ValidPath(f.Name) || f.Name == "." || path.Clean(f.Name) != f.Name || seen[f.Name] {
				t.Fatalf("name %q let through", f.Name)
			}
			seen[f.Name] = true
			if int64(len(f.Data)) > lim.MaxFile {
				t.Fatalf("%q: %d bytes", f.Name, len(f.Data))
			}
			total += int64(len(f.Data))
		}
		if total > lim.MaxSize || total != a.Size || len(a.Files) > lim.MaxFiles {
			t.Fatalf("bounds: %d bytes, %d files", total, len(a.Files))
		}
	})
}

func flateWriter(w *bytes.Buffer) (*flate.Writer, error) {
	return flate.NewWriter(w, flate.BestCompression)
}
