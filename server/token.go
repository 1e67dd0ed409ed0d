package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// adminTokenFile is where a generated admin token is kept, in the data directory.
const adminTokenFile = "admin-token"

// minToken is the shortest admin token accepted from a file or the
// environment: 128 bits in hex.
const minToken = 32

// AdminToken returns the admin token the config names. With no source it
// reads DATA/admin-token, or generates one there (mode 0600) and reports
// generated=true so the caller prints it once.
func AdminToken(cfg *Config) (token string, generated bool, err error) {
	switch {
	case cfg.AdminToken.File != "":
		data, err := os.ReadFile(cfg.AdminToken.File)
		if err != nil {
			return "", false, fmt.Errorf("admin token: %w", err)
		}
		return checkToken(strings.TrimSpace(string(data)), cfg.AdminToken.File)
	case cfg.AdminToken.Env != "":
		return checkToken(strings.TrimSpace(os.Getenv(cfg.AdminToken.Env)), "$"+cfg.AdminToken.Env)
	}
	path := filepath.Join(cfg.Data, adminTokenFile)
	data, err := os.ReadFile(path)
	if err == nil {
		return checkToken(strings.TrimSpace(string(data)), path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	token = newToken()
	if err := writeFileAtomic(path, []byte(token+"\n"), 0o600); err != nil {
		return "", false, fmt.Errorf("admin token: %w", err)
	}
	return token, true, nil
}

func checkToken(token, from string) (string, bool, error) {
	if len(token) < minToken {
		return "", false, fmt.Errorf("admin token in %s: %d characters, want at least %d (such as the output of `openssl rand -hex 16`)", from, len(token), minToken)
	}
	return token, false, nil
}

// newToken returns 256 random bits in hex.
func newToken() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// tokenHash256 is what the server keeps of a tenant's API token.
func tokenHash256(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// sameToken compares in constant time (for equal lengths; the lengths of our
// hashes never differ, so nothing leaks through them).
func sameToken(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
