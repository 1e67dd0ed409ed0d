package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moonbox-runtime/moonbox/tenants"
)

func TestParseConfigFull(t *testing.T) {
	cfg, err := LoadConfig("testdata/moonbox.yaml")
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultTenantLimits()
	wantDefaults := def
	wantDefaults.Processes, wantDefaults.Memory, wantDefaults.MemorySoft, wantDefaults.CPUTotal = 1000, 64<<20, 48<<20, 1e9
	wantCeilings := wantDefaults
	wantCeilings.Processes, wantCeilings.Memory, wantCeilings.MemorySoft, wantCeilings.CPUTotal = 50000, 512<<20, 384<<20, 1e11
	want := Config{
		Listen: "127.0.0.1:8080", Data: "/var/lib/moonbox", Shards: 4, AllowNative: true,
		AdminToken: TokenSource{Env: "MOONBOX_ADMIN_TOKEN"},
		Log:        LogConfig{Format: "json", Level: "debug"},
		Ingress:    IngressConfig{Timeout: 2 * time.Second, MaxBody: 64 << 10},
		Uploads:    UploadLimits{MaxSize: 16 << 20, MaxFiles: 200, MaxFile: 512 << 10},
		Defaults:   wantDefaults, Ceilings: wantCeilings,
	}
	if *cfg != want {
		t.Errorf("got  %+v\nwant %+v", *cfg, want)
	}
}

func TestParseConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	for _, yaml := range []string{"listen: 127.0.0.1:7070\n", "{}\n"} {
		cfg, err := ParseConfig(filepath.Join(dir, "moonbox.yaml"), []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		want := *DefaultConfig(dir)
		if *cfg != want {
			t.Errorf("%q: got %+v, want %+v", yaml, *cfg, want)
		}
		if cfg.Data != filepath.Join(dir, DefaultData) {
			t.Errorf("data %q is not resolved against the config's directory", cfg.Data)
		}
		if cfg.Ceilings != cfg.Defaults || cfg.AllowNative {
			t.Errorf("the safe defaults changed: %+v", cfg)
		}
	}
	// A relative token file is the config's directory's too.
	cfg, err := ParseConfig(filepath.Join(dir, "moonbox.yaml"), []byte("admin_token: {file: secret/token}\n"))
	if err != nil || cfg.AdminToken.File != filepath.Join(dir, "secret/token") {
		t.Errorf("got %+v, %v", cfg, err)
	}
}

func TestParseConfigProblems(t *testing.T) {
	type want struct {
		line int
		text string
	}
	tests := []struct {
		name, yaml string
		want       []want
	}{
		{"empty", "", []want{{1, "the file is empty"}}},
		{"syntax", "listen: [\n", []want{{1, "YAML syntax error"}}},
		{"two documents", "shards: 1\n---\nshards: 2\n", []want{{2, "a second YAML document"}}},
		{"not a mapping", "- listen\n", []want{{1, "must be a mapping"}}},
		{"typo", "lisen: :80\n", []want{{1, "lisen: unknown key (did you mean listen?)"}}},
		{"limit at the top", "memory: 1GiB\n", []want{{1, "memory: unknown key here: memory belongs under defaults: or ceilings:"}}},
		{"duplicate", "shards: 1\nshards: 2\n", []want{{2, "duplicate key (first at line 1)"}}},
		{"no value", "data:\n", []want{{1, "data: has no value"}}},
		{"bad listen", "listen: localhost\n", []want{{1, `listen: "localhost" is not host:port`}}},
		{"shards", "shards: -1\n", []want{{1, "shards: must be between 0 and 4096, got -1"}}},
		{"allow_native", "allow_native: yes please\n", []want{{1, "allow_native: must be true or false"}}},
		{"token both", "admin_token: {file: t, env: T}\n", []want{{1, "admin_token.env: set file or env, not both"}}},
		{"token none", "admin_token: {}\n", []want{{1, "admin_token: needs file: PATH or env: VARIABLE"}}},
		{"token flag", "admin_token: s3cret\n", []want{{1, "admin_token: must be a mapping"}}},
		{"token env name", "admin_token: {env: 'A B'}\n", []want{{1, `admin_token.env: "A B" is not an environment variable name`}}},
		{"token typo", "admin_token: {fil: x}\n", []want{{1, "admin_token.fil: unknown key (did you mean file?)"}}},
		{"log", "log: {format: xml, level: loud}\n", []want{{1, `log.format: must be text or json, got "xml"`}, {1, `log.level: must be debug, info, warn or error, got "loud"`}}},
		{"ingress", "ingress:\n  timeout: 5\n  max_body: 2MiB\n", []want{{2, "ingress.timeout: must be a string"}, {3, "ingress.max_body: must be between 1KiB and 1MiB"}}},
		{"duration", "ingress: {timeout: soon}\n", []want{{1, `ingress.timeout: "soon" is not a duration`}}},
		{"uploads", "uploads:\n  max_size: 12 parsecs\n  max_files: 0\n  max_file: 1mib\n", []want{{2, "uploads.max_size: size \"12 parsecs\""}, {3, "uploads.max_files: must be between 1 and 1000000"}, {4, `did you mean MiB?`}}},
		{"defaults", "defaults:\n  memroy: 1GiB\n  processes: lots\n", []want{{2, "defaults.memroy: unknown key (did you mean memory?)"}, {3, "defaults.processes: must be a whole number"}}},
		{"ceiling below default", "defaults: {memory: 1GiB}\nceilings: {memory: 512MiB}\n", []want{{2, "ceilings: below the defaults: limits.memory: 1GiB is above the operator's ceiling 512MiB"}, {2, "limits.memory_soft: 768MiB"}}},
		{"unlimited default under a ceiling", "ceilings: {cpu_total: 1000000}\n", []want{{1, "limits.cpu_total: 0 (unlimited) is above the operator's ceiling 1000000"}}},
		{"every problem", "listen: x\nshards: many\nbogus: 1\n", []want{{1, "listen"}, {2, "shards"}, {3, "bogus"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("moonbox.yaml", []byte(tt.yaml))
			var ce *tenants.ConfigError
			if !errors.As(err, &ce) || cfg != nil {
				t.Fatalf("got %+v, %v; want a ConfigError", cfg, err)
			}
			if len(ce.Problems) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(ce.Problems), len(tt.want), err)
			}
			for i, w := range tt.want {
				p := ce.Problems[i]
				line := strings.Split(err.Error(), "\n")[i]
				if p.Line != w.line || !strings.Contains(line, w.text) {
					t.Errorf("problem %d: got line %d %q, want line %d containing %q", i, p.Line, line, w.line, w.text)
				}
			}
		})
	}
}

func TestAdminToken(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultConfig(dir)
	tok, generated, err := AdminToken(cfg)
	if err != nil || !generated || len(tok) != 64 {
		t.Fatalf("first start: %q, %v, %v", tok, generated, err)
	}
	st, err := os.Stat(filepath.Join(cfg.Data, adminTokenFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the generated token's file: %v, %v", st, err)
	}
	again, generated, err := AdminToken(cfg)
	if err != nil || generated || again != tok {
		t.Fatalf("a restart must keep the token: %q, %v, %v", again, generated, err)
	}

	t.Setenv("MB_TEST_TOKEN", "short")
	cfg.AdminToken = TokenSource{Env: "MB_TEST_TOKEN"}
	if _, _, err := AdminToken(cfg); err == nil || !strings.Contains(err.Error(), "at least 32") {
		t.Errorf("a short token: %v", err)
	}
	t.Setenv("MB_TEST_TOKEN", strings.Repeat("x", 40))
	if got, _, err := AdminToken(cfg); err != nil || got != strings.Repeat("x", 40) {
		t.Errorf("from the environment: %q, %v", got, err)
	}
	file := filepath.Join(dir, "tok")
	os.WriteFile(file, []byte(strings.Repeat("y", 32)+"\n"), 0o600)
	cfg.AdminToken = TokenSource{File: file}
	if got, _, err := AdminToken(cfg); err != nil || got != strings.Repeat("y", 32) {
		t.Errorf("from a file: %q, %v", got, err)
	}
	cfg.AdminToken = TokenSource{File: filepath.Join(dir, "missing")}
	if _, _, err := AdminToken(cfg); err == nil {
		t.Error("a missing token file is not an error")
	}
}

func FuzzParseConfig(f *testing.F) {
	data, err := os.ReadFile("testdata/moonbox.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	for _, s := range []string{
		"", "{}", "listen: :1\n", "defaults: &d {memory: 64MiB}\nceilings: *d\n", "admin_token: {file: a, env: B}\n",
		"ceilings: {memory_soft: 50%}\n", "ingress: {timeout: 1h}\n", "\xff", "a: &a [*a]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("moonbox.yaml", data)
		if err != nil {
			var ce *tenants.ConfigError
			if cfg != nil || !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("%+v, %#v", cfg, err)
			}
			return
		}
		if err := cfg.Defaults.Check(); err != nil {
			t.Fatalf("defaults accepted out of bounds: %v", err)
		}
		if err := cfg.Ceilings.Check(); err != nil {
			t.Fatalf("ceilings accepted out of bounds: %v", err)
		}
		if over := cfg.Defaults.Exceeding(cfg.Ceilings); len(over) > 0 {
			t.Fatalf("defaults above the ceilings accepted: %v", over)
		}
		if cfg.Listen == "" || cfg.Data == "" || cfg.Ingress.MaxBody <= 0 || cfg.Uploads.MaxFiles <= 0 {
			t.Fatalf("a required value left empty: %+v", cfg)
		}
	})
}
