package server

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// versionArchive is version n of tenant acme: every file says n, so a
// half-written version shows as a file that says something else or is short.
func versionArchive(n, files int) *Archive {
	a := &Archive{}
	body := bytes.Repeat([]byte(fmt.Sprintf("-- version %06d\n", n)), 4096) // 68 KiB a file
	a.Files = append(a.Files, ArchiveFile{Name: "tenant.yaml", Data: []byte(fmt.Sprintf("name: acme # version %d\n", n))})
	a.Files = append(a.Files, ArchiveFile{Name: "app", Dir: true})
	for i := range files {
		a.Files = append(a.Files, ArchiveFile{Name: fmt.Sprintf("app/f%03d.lua", i), Data: body})
	}
	return a
}

// checkVersion reports how dir differs from versionArchive(n, files).
func checkVersion(dir string, n, files int) error {
	want := versionArchive(n, files)
	for _, f := range want.Files {
		if f.Dir {
			continue
		}
		got, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return err
		}
		if !bytes.Equal(got, f.Data) {
			return fmt.Errorf("%s: %d bytes differ from version %d's %d", f.Name, len(got), n, len(f.Data))
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "app"))
	if len(entries) != files {
		return fmt.Errorf("%d files in app/, want %d", len(entries), files)
	}
	return nil
}

func deploy(t testing.TB, s *Store, a *Archive, token string) *StoredTenant {
	t.Helper()
	staged, err := s.Stage(a)
	if err != nil {
		t.Fatal(err)
	}
	v, _, err := s.Place("acme", staged)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s.Commit("acme", v, token)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestStoreVersions(t *testing.T) {
	data := t.TempDir()
	s, err := OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	st := deploy(t, s, versionArchive(1, 2), "h1")
	if st.Current != 1 || st.Previous != 0 || st.TokenHash != "h1" {
		t.Fatalf("first deploy: %+v", st)
	}
	deploy(t, s, versionArchive(2, 2), "")
	st = deploy(t, s, versionArchive(3, 2), "")
	if st.Current != 3 || st.Previous != 2 || st.TokenHash != "h1" {
		t.Fatalf("third deploy: %+v", st)
	}
	if _, err := os.Stat(s.Dir("acme", 1)); !os.IsNotExist(err) {
		t.Errorf("version 1 is kept after two more deploys: %v", err)
	}
	st, err = s.Rollback("acme")
	if err != nil || st.Current != 2 || st.Previous != 3 {
		t.Fatalf("rollback: %+v, %v", st, err)
	}
	if err := checkVersion(s.Dir("acme", st.Current), 2, 2); err != nil {
		t.Fatal(err)
	}

	// A restart reads back the same state, and clears what an
	// interrupted deploy left: a staged bundle and a placed version.
	staged, _ := s.Stage(versionArchive(9, 1))
	s.Place("acme", staged)
	s.Stage(versionArchive(10, 1))
	s2, err := OpenStore(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s2.Tenants()
	if err != nil || len(got) != 1 || got[0].Current != 2 || got[0].Previous != 3 {
		t.Fatalf("after a restart: %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(filepath.Join(data, "tenants", "acme"))
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != "state.json v000002 v000003" {
		t.Errorf("left in the tenant's directory: %v", left)
	}
	if entries, _ := os.ReadDir(filepath.Join(data, "staging")); len(entries) != 0 {
		t.Errorf("staging not cleared: %d entries", len(entries))
	}

	if err := s2.Remove("acme"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s2.Tenants(); len(got) != 0 {
		t.Errorf("after undeploy: %+v", got)
	}
	if _, err := s2.Tenant("../acme"); !os.IsNotExist(err) {
		t.Errorf("a path as a tenant name: %v", err)
	}
	if _, err := s2.Rollback("acme"); err == nil {
		t.Error("rollback of an undeployed tenant")
	}
}

// TestStoreSIGKILL kills a process that deploys version after version at
// random moments and checks that the store then holds one complete version:
// the last committed one or the one after it, never a mixture.
func TestStoreSIGKILL(t *testing.T) {
	if dir := os.Getenv("MOONBOX_STORE_DEPLOYER"); dir != "" {
		deployForever(dir)
		return
	}
	if testing.Short() {
		t.Skip("spawns subprocesses")
	}
	data := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	const files = 8
	kills := 0
	for round := range 12 {
		cmd := exec.Command(exe, "-test.run=^TestStoreSIGKILL$")
		cmd.Env = append(os.Environ(), "MOONBOX_STORE_DEPLOYER="+data)
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until it has committed at least once in this round, then let
		// it run into the middle of a later deploy.
		buf := make([]byte, 64)
		stdout.Read(buf)
		time.Sleep(time.Duration(1+round*3) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		kills++

		s, err := OpenStore(data)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		st, err := s.Tenant("acme")
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := checkVersion(s.Dir("acme", st.Current), st.Current, files); err != nil {
			t.Fatalf("round %d: current version %d is not whole: %v", round, st.Current, err)
		}
		if st.Previous != 0 {
			if err := checkVersion(s.Dir("acme", st.Previous), st.Previous, files); err != nil {
				t.Fatalf("round %d: previous version %d is not whole: %v", round, st.Previous, err)
			}
		}
	}
	t.Logf("%d kills, each left a whole current and previous version", kills)
}

// deployForever deploys versions of acme until it is killed, writing a
// line after each commit.
func deployForever(data string) {
	s, err := OpenStore(data)
	if err != nil {
		panic(err)
	}
	n := 1
	if st, err := s.Tenant("acme"); err == nil {
		n = st.Current + 1
	}
	for ; ; n++ {
		staged, err := s.Stage(versionArchive(n, 8))
		if err != nil {
			panic(err)
		}
		v, _, err := s.Place("acme", staged)
		if err != nil {
			panic(err)
		}
		if v != n {
			// versions are numbered past every directory; keep contents and numbers equal
			panic("version " + strconv.Itoa(v) + ", want " + strconv.Itoa(n))
		}
		if _, err := s.Commit("acme", v, "h"); err != nil {
			panic(err)
		}
		os.Stdout.WriteString("committed " + strconv.Itoa(v) + "\n")
	}
}
