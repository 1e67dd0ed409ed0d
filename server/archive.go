package server

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// An Archive is a bundle unpacked into memory from an upload: regular files
// and directories only, every name local to the bundle.
type Archive struct {
	Files []ArchiveFile // sorted by name
	Size  int64         // bytes of all files
}

// ArchiveFile is one file or directory of an [Archive].
type ArchiveFile struct {
	Name string // slash-separated, local (fs.ValidPath), never "."
	Dir  bool
	Data []byte
}

// ArchiveError is why an upload is not a bundle. The server answers it with
// 400 and the message.
type ArchiveError struct{ Msg string }

func (e *ArchiveError) Error() string { return "bundle archive: " + e.Msg }

func archiveErr(format string, args ...any) error {
	return &ArchiveError{Msg: fmt.Sprintf(format, args...)}
}

const (
	maxNameLen  = 512 // bytes of one path in a bundle
	maxNameDeep = 32  // directories a path may go down
)

// Unpack reads a bundle archive, a .tar.gz (or plain .tar) or a .zip told
// apart by their first bytes, into memory within lim: at most MaxFiles
// entries, MaxFile bytes in one file and MaxSize in all, counted while
// unpacking (never trusting the sizes an archive declares). Absolute paths,
// `..`, backslashes, symlinks, hard links and device files are refused, each
// with the entry's name. A bundle whose entries are all in one top directory
// without a tenant.yaml beside it (tar czf b.tgz acme/) is unpacked from
// inside that directory.
func Unpack(data []byte, lim UploadLimits) (*Archive, error) {
	u := &unpacker{lim: lim, seen: map[string]bool{}}
	var err error
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		err = u.gzip(data)
	case bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")):
		err = u.zip(data)
	case len(data) >= 262 && string(data[257:262]) == "ustar":
		err = u.tar(bytes.NewReader(data))
	case len(data) == 0:
		err = archiveErr("the upload is empty: send a .tar.gz or .zip of the bundle directory")
	default:
		err = archiveErr("not a .tar.gz, .tar or .zip (the first bytes are neither gzip's, tar's nor zip's)")
	}
	if err != nil {
		return nil, err
	}
	if u.size == 0 && !slices.ContainsFunc(u.files, func(f ArchiveFile) bool { return !f.Dir }) {
		return nil, archiveErr("the archive holds no files")
	}
	u.stripTop()
	slices.SortFunc(u.files, func(a, b ArchiveFile) int { return strings.Compare(a.Name, b.Name) })
	return &Archive{Files: u.files, Size: u.size}, nil
}

type unpacker struct {
	lim   UploadLimits
	files []ArchiveFile
	seen  map[string]bool // name → is a directory
	size  int64
}

func (u *unpacker) gzip(data []byte) error {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return archiveErr("gzip: %v", err)
	}
	zr.Multistream(false)
	return u.tar(zr)
}

func (u *unpacker) tar(r io.Reader) error {
	// Headers, padding and skipped pax records are not files: bound the
	// whole stream too, so a gzip bomb of headers ends.
	stream := &capReader{r: r, left: u.lim.MaxSize + int64(u.lim.MaxFiles)*4096 + 8<<20}
	tr := tar.NewReader(stream)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if stream.left < 0 {
			return archiveErr("the archive unpacks to more than %s", sizeOf(stream.cap))
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) { // checkName says what is insecure
			return archiveErr("tar: %v", cleanErr(err))
		}
		switch h.Typeflag {
		case tar.TypeReg:
			if err := u.add(h.Name, false, tr, h.Size); err != nil {
				return err
			}
		case tar.TypeDir:
			if err := u.add(h.Name, true, nil, 0); err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
			// pax metadata for the whole archive (git archive writes one)
		case tar.TypeSymlink, tar.TypeLink:
			return archiveErr("%s: a link (to %q): links are not allowed in a bundle, archive the file itself", quoteName(h.Name), short(h.Linkname))
		default:
			return archiveErr("%s: not a regular file or directory (tar type %q)", quoteName(h.Name), h.Typeflag)
		}
	}
}

func (u *unpacker) zip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return archiveErr("zip: %v", cleanErr(err))
	}
	if len(zr.File) > u.lim.MaxFiles {
		return archiveErr("more than %d files", u.lim.MaxFiles)
	}
	for _, f := range zr.File {
		mode := f.Mode()
		switch {
		case mode&os.ModeSymlink != 0:
			return archiveErr("%s: a link: links are not allowed in a bundle, archive the file itself", quoteName(f.Name))
		case mode.IsDir():
			if err := u.add(f.Name, true, nil, 0); err != nil {
				return err
			}
		case mode.IsRegular():
			rc, err := f.Open()
			if err != nil {
				return archiveErr("%s: %v", quoteName(f.Name), cleanErr(err))
			}
			err = u.add(f.Name, false, rc, int64(f.UncompressedSize64))
			rc.Close()
			if err != nil {
				return err
			}
		default:
			return archiveErr("%s: not a regular file or directory (mode %v)", quoteName(f.Name), mode)
		}
	}
	return nil
}

// add checks name and reads one entry's data (declared is the size the
// archive claims, checked first and then not trusted).
func (u *unpacker) add(name string, dir bool, r io.Reader, declared int64) error {
	clean, err := checkName(name)
	if err != nil {
		return err
	}
	if clean == "." {
		if dir {
			return nil // ./ itself
		}
		return archiveErr("%s: not a file name", quoteName(name))
	}
	if len(u.files) >= u.lim.MaxFiles {
		return archiveErr("more than %d files", u.lim.MaxFiles)
	}
	if wasDir, dup := u.seen[clean]; dup {
		if dir && wasDir {
			return nil
		}
		return archiveErr("%s: twice in the archive", quoteName(name))
	}
	// every parent must be a directory, never a file of the archive
	for p := path.Dir(clean); p != "."; p = path.Dir(p) {
		if isDir, ok := u.seen[p]; ok && !isDir {
			return archiveErr("%s: %s is a file, not a directory", quoteName(name), p)
		}
	}
	u.seen[clean] = dir
	for p := path.Dir(clean); p != "."; p = path.Dir(p) {
		u.seen[p] = true
	}
	if dir {
		u.files = append(u.files, ArchiveFile{Name: clean, Dir: true})
		return nil
	}
	if declared > u.lim.MaxFile {
		return archiveErr("%s: %s, larger than the %s a file may be", quoteName(name), sizeOf(declared), sizeOf(u.lim.MaxFile))
	}
	// Read one byte past each bound, so a lying header or a bomb is caught
	// having unpacked no more than the bound.
	room := min(u.lim.MaxFile, u.lim.MaxSize-u.size)
	data, err := io.ReadAll(io.LimitReader(r, room+1))
	if err != nil {
		return archiveErr("%s: %v", quoteName(name), cleanErr(err))
	}
	if int64(len(data)) > u.lim.MaxFile {
		return archiveErr("%s: larger than the %s a file may be", quoteName(name), sizeOf(u.lim.MaxFile))
	}
	if int64(len(data)) > room {
		return archiveErr("the files add up to more than %s", sizeOf(u.lim.MaxSize))
	}
	u.size += int64(len(data))
	u.files = append(u.files, ArchiveFile{Name: clean, Data: data})
	return nil
}

// checkName returns name cleaned, or why it cannot be in a bundle.
func checkName(name string) (string, error) {
	q := quoteName(name)
	switch {
	case name == "":
		return "", archiveErr("an entry without a name")
	case len(name) > maxNameLen:
		return "", archiveErr("%s: a path longer than %d bytes", q, maxNameLen)
	case strings.ContainsRune(name, 0):
		return "", archiveErr("%s: a NUL byte in the path", q)
	case strings.Contains(name, `\`):
		return "", archiveErr("%s: a backslash in the path (archive with / separators)", q)
	case strings.HasPrefix(name, "/") || filepath.VolumeName(name) != "":
		return "", archiveErr("%s: an absolute path (archive paths relative to the bundle directory)", q)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", archiveErr("%s: the path leaves the bundle directory (..)", q)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", archiveErr("%s: a .. in the path", q)
		}
	}
	if strings.Count(clean, "/") >= maxNameDeep {
		return "", archiveErr("%s: more than %d directories deep", q, maxNameDeep)
	}
	return clean, nil
}

// stripTop unpacks from inside a single top directory that holds everything
// (no tenant.yaml beside it).
func (u *unpacker) stripTop() {
	top := ""
	for _, f := range u.files {
		first, _, nested := strings.Cut(f.Name, "/")
		if !nested && !f.Dir {
			return // a file at the top
		}
		if top == "" {
			top = first
		} else if first != top {
			return
		}
	}
	if top == "" {
		return
	}
	out := u.files[:0]
	for _, f := range u.files {
		if f.Name == top {
			continue
		}
		f.Name = strings.TrimPrefix(f.Name, top+"/")
		out = append(out, f)
	}
	u.files = out
}

// WriteTo writes the archive's files under dir (which must exist and be
// empty), each file synced, so a rename of dir afterwards publishes whole
// files. Names were checked by Unpack; os.Root keeps them inside dir anyway.
func (a *Archive) WriteTo(dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var dirs []string
	for _, f := range a.Files {
		if f.Dir {
			if err := root.MkdirAll(f.Name, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, f.Name)
			continue
		}
		if d := path.Dir(f.Name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return err
			}
			dirs = append(dirs, d)
		}
		w, err := root.OpenFile(f.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return err
		}
		_, err = w.Write(f.Data)
		if err == nil {
			err = w.Sync()
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Compact(append(dirs, ".")) {
		if err := syncDir(filepath.Join(dir, filepath.FromSlash(d))); err != nil {
			return err
		}
	}
	return nil
}

// capReader reads at most left bytes and then fails.
type capReader struct {
	r         io.Reader
	left, cap int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.cap == 0 {
		c.cap = c.left
	}
	if c.left <= 0 {
		c.left = -1
		return 0, errors.New("archive too large")
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func quoteName(name string) string { return fmt.Sprintf("%q", short(name)) }

func short(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:80] + "…"
}

func sizeOf(n int64) string {
	if n%(1<<20) == 0 && n > 0 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	if n%(1<<10) == 0 && n > 0 {
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// cleanErr keeps library errors short: no Go types, one line.
func cleanErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return short(s)
}
