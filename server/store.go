package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A Store keeps the deployed bundles in the data directory:
//
//	DATA/tenants/NAME/state.json   which versions are current and previous, the API token's hash
//	DATA/tenants/NAME/v000003/     a bundle as uploaded, unpacked
//	DATA/staging/                  bundles being written
//
// A version directory is written whole and synced before it is renamed into
// place, and state.json is replaced atomically (write, fsync, rename, fsync
// the directory): the rename of state.json is the commit point of a deploy,
// a rollback or an undeploy. A crash at any moment leaves the state before or
// after, never between; OpenStore removes what an interrupted operation left.
type Store struct {
	dir string // DATA
	mu  sync.Mutex
}

// StoredTenant is one tenant's state.json.
type StoredTenant struct {
	Name      string    `json:"name"`
	Current   int       `json:"current"`            // version served
	Previous  int       `json:"previous,omitempty"` // version kept for rollback, 0 for none
	TokenHash string    `json:"token_sha256"`       // hex SHA-256 of the tenant's API token
	Deployed  time.Time `json:"deployed"`           // when Current became current
}

const stateFile = "state.json"

var versionRE = regexp.MustCompile(`^v([0-9]{6,9})$`)

// OpenStore opens (creating) the store in the data directory dir and clears
// what interrupted operations left: staged bundles, versions no state.json
// names, tenants half removed.
func OpenStore(dir string) (*Store, error) {
	s := &Store{dir: dir}
	for _, d := range []string{dir, s.tenantsDir(), s.stagingDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	if err := os.RemoveAll(s.stagingDir()); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if err := os.MkdirAll(s.stagingDir(), 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	entries, err := os.ReadDir(s.tenantsDir())
	if err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	for _, e := range entries {
		path := filepath.Join(s.tenantsDir(), e.Name())
		if strings.HasPrefix(e.Name(), ".") { // .gone-NAME-*: an undeploy that did not finish removing
			os.RemoveAll(path)
			continue
		}
		st, err := s.read(e.Name())
		if errors.Is(err, fs.ErrNotExist) { // a first deploy that never committed
			os.RemoveAll(path)
			continue
		}
		if err != nil {
			return nil, err
		}
		s.prune(st)
	}
	return s, nil
}

func (s *Store) tenantsDir() string { return filepath.Join(s.dir, "tenants") }
func (s *Store) stagingDir() string { return filepath.Join(s.dir, "staging") }

// Dir is the directory of a tenant's version.
func (s *Store) Dir(name string, version int) string {
	return filepath.Join(s.tenantsDir(), name, fmt.Sprintf("v%06d", version))
}

// Tenants returns every committed tenant, by name.
func (s *Store) Tenants() ([]StoredTenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := os.ReadDir(s.tenantsDir())
	if err != nil {
		return nil, err
	}
	var out []StoredTenant
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		st, err := s.read(e.Name())
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *st)
	}
	return out, nil
}

// Tenant returns a committed tenant's state.
func (s *Store) Tenant(name string) (*StoredTenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.read(name)
}

// tenantNameRE is tenant.yaml's rule for a name (tenants.Config.Name): a
// name from a URL is checked against it before it becomes a path.
var tenantNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (s *Store) read(name string) (*StoredTenant, error) {
	if !tenantNameRE.MatchString(name) {
		return nil, fs.ErrNotExist
	}
	data, err := os.ReadFile(filepath.Join(s.tenantsDir(), name, stateFile))
	if err != nil {
		return nil, err
	}
	var st StoredTenant
	if err := json.Unmarshal(data, &st); err != nil || st.Name != name || st.Current <= 0 {
		return nil, fmt.Errorf("data directory: %s: a damaged state.json (%v)", filepath.Join(s.tenantsDir(), name), err)
	}
	if _, err := os.Stat(s.Dir(name, st.Current)); err != nil {
		return nil, fmt.Errorf("data directory: tenant %s: version %d is missing: %w", name, st.Current, err)
	}
	return &st, nil
}

// Stage writes an archive into the staging area, synced, and returns its
// directory; Place moves it into a tenant, Discard drops it.
func (s *Store) Stage(a *Archive) (string, error) {
	dir, err := os.MkdirTemp(s.stagingDir(), "bundle-*")
	if err != nil {
		return "", err
	}
	if err := a.WriteTo(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// Place moves a staged bundle into tenant name as its next version, not yet
// current: the runtime can load it from its final directory before
// [Store.Commit] makes it current. A crash before Commit leaves a version no
// state.json names, removed by the next OpenStore.
func (s *Store) Place(name, staged string) (version int, dir string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !tenantNameRE.MatchString(name) {
		return 0, "", fmt.Errorf("%q is not a tenant name", name)
	}
	tdir := filepath.Join(s.tenantsDir(), name)
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return 0, "", err
	}
	if err := syncDir(s.tenantsDir()); err != nil {
		return 0, "", err
	}
	version = 1
	entries, err := os.ReadDir(tdir)
	if err != nil {
		return 0, "", err
	}
	for _, e := range entries {
		if m := versionRE.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			version = max(version, n+1)
		}
	}
	dir = s.Dir(name, version)
	if err := os.Rename(staged, dir); err != nil {
		return 0, "", err
	}
	if err := syncDir(tdir); err != nil {
		return 0, "", err
	}
	return version, dir, syncDir(s.stagingDir())
}

// Commit makes version current in tenant name's state.json (the previous
// current becomes previous; a new tenant gets tokenHash, an existing one
// keeps its token when tokenHash is "") and removes older versions.
func (s *Store) Commit(name string, version int, tokenHash string) (*StoredTenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &StoredTenant{Name: name}
	if old, err := s.read(name); err == nil {
		*st = *old
		st.Previous = old.Current
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	st.Current = version
	st.Deployed = time.Now().UTC()
	if tokenHash != "" {
		st.TokenHash = tokenHash
	}
	if err := s.write(st); err != nil {
		return nil, err
	}
	s.prune(st)
	return st, nil
}

// Rollback makes the previous version current and the current previous.
func (s *Store) Rollback(name string) (*StoredTenant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.read(name)
	if err != nil {
		return nil, err
	}
	if st.Previous == 0 {
		return nil, errors.New("no previous version to roll back to")
	}
	st.Current, st.Previous = st.Previous, st.Current
	st.Deployed = time.Now().UTC()
	return st, s.write(st)
}

// Discard removes a version that was placed but not committed, or a staged
// directory.
func (s *Store) Discard(dir string) { os.RemoveAll(dir) }

// Remove deletes a tenant: its directory is renamed aside (the commit point)
// and then removed.
func (s *Store) Remove(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !tenantNameRE.MatchString(name) {
		return fs.ErrNotExist
	}
	tdir := filepath.Join(s.tenantsDir(), name)
	if _, err := os.Stat(filepath.Join(tdir, stateFile)); err != nil {
		return err
	}
	gone, err := os.MkdirTemp(s.tenantsDir(), ".gone-"+name+"-*")
	if err != nil {
		return err
	}
	if err := os.Rename(tdir, filepath.Join(gone, name)); err != nil {
		os.Remove(gone)
		return err
	}
	if err := syncDir(s.tenantsDir()); err != nil {
		return err
	}
	return os.RemoveAll(gone)
}

func (s *Store) write(st *StoredTenant) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(s.tenantsDir(), st.Name, stateFile), append(data, '\n'), 0o600)
}

// prune removes the versions of a tenant other than its current and
// previous, and temporary files.
func (s *Store) prune(st *StoredTenant) {
	tdir := filepath.Join(s.tenantsDir(), st.Name)
	entries, err := os.ReadDir(tdir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name() == stateFile {
			continue
		}
		if m := versionRE.FindStringSubmatch(e.Name()); m != nil {
			if n, _ := strconv.Atoi(m[1]); n == st.Current || n == st.Previous {
				continue
			}
		}
		os.RemoveAll(filepath.Join(tdir, e.Name()))
	}
}
