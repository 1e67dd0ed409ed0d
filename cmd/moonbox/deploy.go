package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// cmdDeploy uploads a bundle directory to a running server.
func cmdDeploy(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("deploy", flag.ContinueOnError)
	fset.SetOutput(stderr)
	srv := fset.String("server", "http://127.0.0.1:7070", "the server's `URL`")
	tokenFile := fset.String("token-file", "", "read the admin token from `FILE` (default: $MOONBOX_ADMIN_TOKEN)")
	fset.Usage = func() {
		fmt.Fprintf(stderr, "usage: moonbox deploy [--server URL] [--token-file FILE] DIR\n\n"+
			"Uploads the tenant bundle in DIR (tenant.yaml, sources, policy) as a .tar.gz: a new tenant, or a new\n"+
			"version of a deployed one. The admin token is never a flag value (it would show in ps).\n\n")
		fset.PrintDefaults()
	}
	if code, ok := parseFlags(fset, args); !ok {
		return code
	}
	if fset.NArg() != 1 {
		fset.Usage()
		return exitUsage
	}
	token := os.Getenv("MOONBOX_ADMIN_TOKEN")
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			fmt.Fprintf(stderr, "moonbox deploy: %v\n", err)
			return exitUsage
		}
		token = strings.TrimSpace(string(b))
	}
	if token == "" {
		fmt.Fprintln(stderr, "moonbox deploy: no admin token: set MOONBOX_ADMIN_TOKEN or use --token-file")
		return exitUsage
	}
	archive, err := tarGzDir(fset.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "moonbox deploy: %v\n", err)
		return exitUsage
	}
	req, err := http.NewRequest("POST", strings.TrimSuffix(*srv, "/")+"/admin/tenants", bytes.NewReader(archive))
	if err != nil {
		fmt.Fprintf(stderr, "moonbox deploy: %v\n", err)
		return exitUsage
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/gzip")
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "moonbox deploy: %v\n", err)
		return exitAbnormal
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		stdout.Write(body)
		return exitOK
	}
	var e struct {
		Error struct {
			Message  string   `json:"message"`
			Problems []string `json:"problems"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		fmt.Fprintf(stderr, "moonbox deploy: %s (%s)\n", e.Error.Message, resp.Status)
		for _, p := range e.Error.Problems {
			fmt.Fprintln(stderr, "  "+p)
		}
	} else {
		fmt.Fprintf(stderr, "moonbox deploy: %s\n%s", resp.Status, body)
	}
	return exitAbnormal
}

// tarGzDir archives the regular files and directories under dir, paths
// relative to it. A symlink is an error: the server refuses links.
func tarGzDir(dir string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel) + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		case info.Mode().IsRegular():
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}); err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return fmt.Errorf("%s: not a regular file or directory (a bundle holds no links)", path)
	})
	if err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
