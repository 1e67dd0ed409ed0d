package server

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"time"

	"github.com/moonbox-runtime/moonbox/tenants"
)

// ConfigFile is the usual name of the operator's config.
const ConfigFile = "moonbox.yaml"

// Config is the operator's config, read from moonbox.yaml. Every key is
// optional:
//
//	listen: 127.0.0.1:7070   # host:port of the admin API, the ingress, /healthz, /readyz, /metrics
//	data: moonbox-data       # directory of deployed bundles and tokens (relative to this file)
//	shards: 0                # scheduler shards, 0: one per CPU
//	allow_native: false      # let tenants ask for isolation: native (trusted code only)
//	admin_token:             # where the admin token is; neither: generated once into DATA/admin-token
//	  file: /etc/moonbox/admin-token   # a file holding it (relative to this file), or
//	  env: MOONBOX_ADMIN_TOKEN         # an environment variable holding it; never a flag
//	log:
//	  format: text           # text | json
//	  level: info            # debug | info | warn | error
//	ingress:
//	  timeout: 5s            # deadline of one request to a tenant's process, 1ms to 10m
//	  max_body: 1MiB         # request body, 1KiB to 1MiB (a message payload's maximum)
//	uploads:
//	  max_size: 64MiB        # a bundle archive unpacked, in all
//	  max_files: 1000        # files in a bundle
//	  max_file: 1MiB         # one file of a bundle unpacked
//	defaults:                # limits of a tenant whose tenant.yaml sets none (keys as tenant.yaml's limits:)
//	  memory: 256MiB
//	ceilings:                # the most a tenant.yaml may ask; keys left out are the defaults'
//	  memory: 1GiB
//
// A tenant asking for more than a ceiling is refused at deploy with the
// reason; isolation: native is refused unless allow_native is true.
type Config struct {
	Listen      string
	Data        string // absolute
	Shards      int
	AllowNative bool
	AdminToken  TokenSource
	Log         LogConfig
	Ingress     IngressConfig
	Uploads     UploadLimits
	Defaults    tenants.Limits
	Ceilings    tenants.Limits
}

// TokenSource says where the admin token is: a file, an environment
// variable, or (both empty) generated into the data directory.
type TokenSource struct {
	File string // absolute
	Env  string
}

// LogConfig is the format and level of the server's structured log.
type LogConfig struct {
	Format string // "text" or "json"
	Level  string // "debug", "info", "warn" or "error"
}

// IngressConfig bounds the requests that reach tenants' processes.
type IngressConfig struct {
	Timeout time.Duration
	MaxBody int64
}

// UploadLimits bound a bundle archive while it is unpacked.
type UploadLimits struct {
	MaxSize  int64 // bytes of all files
	MaxFiles int   // entries (files and directories)
	MaxFile  int64 // bytes of one file
}

// The defaults of moonbox.yaml.
const (
	DefaultListen  = "127.0.0.1:7070"
	DefaultData    = "moonbox-data"
	defaultTimeout = 5 * time.Second
)

// DefaultUploads are the archive bounds when moonbox.yaml sets none.
var DefaultUploads = UploadLimits{MaxSize: 64 << 20, MaxFiles: 1000, MaxFile: 1 << 20}

// DefaultTenantLimits are the limits of an uploaded tenant whose tenant.yaml
// sets none: tenants.DefaultLimits with a quarter of its memory and a tenth of
// its processes, safe for a bundle nobody read.
func DefaultTenantLimits() tenants.Limits {
	l := tenants.DefaultLimits()
	l.Processes = 10_000
	l.Memory = 256 << 20
	l.MemorySoft = l.Memory / 4 * 3
	return l
}

// DefaultConfig is the config of a server started without moonbox.yaml, with
// relative paths resolved against dir.
func DefaultConfig(dir string) *Config {
	d := DefaultTenantLimits()
	return &Config{
		Listen:   DefaultListen,
		Data:     absIn(dir, DefaultData),
		Log:      LogConfig{Format: "text", Level: "info"},
		Ingress:  IngressConfig{Timeout: defaultTimeout, MaxBody: 1 << 20},
		Uploads:  DefaultUploads,
		Defaults: d,
		Ceilings: d,
	}
}

var (
	topKeys     = []string{"listen", "data", "shards", "allow_native", "admin_token", "log", "ingress", "uploads", "defaults", "ceilings"}
	tokenKeys   = []string{"file", "env"}
	logKeys     = []string{"format", "level"}
	ingressKeys = []string{"timeout", "max_body"}
	uploadKeys  = []string{"max_size", "max_files", "max_file"}
	envRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
)

// LoadConfig reads and checks the operator config at path. Relative paths in
// it are resolved against its directory.
func LoadConfig(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("operator config: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, tenants.MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("operator config %s: %w", path, err)
	}
	return ParseConfig(path, data)
}

// ParseConfig checks the operator config data read from file (the name in
// problems; its directory resolves relative paths). Every problem is reported
// as a *tenants.ConfigError, with its line.
func ParseConfig(file string, data []byte) (*Config, error) {
	dir := filepath.Dir(file)
	cfg := DefaultConfig(dir)
	c := tenants.NewChecker("the file is empty: leave it out to run with the defaults, or set a key such as `listen: " + DefaultListen + "`")
	root := c.Document(data)
	if root == nil {
		return nil, c.Err(file)
	}
	top, ok := c.Mapping(root, "", topKeys, tenants.LimitKeys(), "under defaults: or ceilings:")
	if !ok {
		return nil, c.Err(file)
	}
	if n, ok := top["listen"]; ok {
		if s, ok := c.String(n, "listen"); ok {
			if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
				c.Problem(n, "listen", "%q is not host:port, such as %s (or :7070 for every interface)", s, DefaultListen)
			} else {
				cfg.Listen = s
			}
		}
	}
	if n, ok := top["data"]; ok {
		if s, ok := c.String(n, "data"); ok {
			if s == "" {
				c.Problem(n, "data", "is empty (leave the key out for %s)", DefaultData)
			} else {
				cfg.Data = absIn(dir, s)
			}
		}
	}
	if n, ok := top["shards"]; ok {
		if v, ok := c.Count(n, "shards", 0, 4096); ok {
			cfg.Shards = int(v)
		}
	}
	if n, ok := top["allow_native"]; ok {
		cfg.AllowNative, _ = c.Bool(n, "allow_native")
	}
	if n, ok := top["admin_token"]; ok {
		if m, ok := c.Mapping(n, "admin_token", tokenKeys, topKeys, "at the top level"); ok {
			file, hasFile := m["file"]
			env, hasEnv := m["env"]
			switch {
			case hasFile && hasEnv:
				c.Problem(env, "admin_token.env", "set file or env, not both")
			case !hasFile && !hasEnv:
				if len(n.Content) == 0 { // else an unknown key was reported
					c.Problem(n, "admin_token", "needs file: PATH or env: VARIABLE (leave the key out to generate a token into the data directory)")
				}
			case hasFile:
				if s, ok := c.String(file, "admin_token.file"); ok {
					if s == "" {
						c.Problem(file, "admin_token.file", "is empty")
					} else {
						cfg.AdminToken.File = absIn(dir, s)
					}
				}
			default:
				if s, ok := c.String(env, "admin_token.env"); ok {
					if !envRE.MatchString(s) {
						c.Problem(env, "admin_token.env", "%q is not an environment variable name", s)
					} else {
						cfg.AdminToken.Env = s
					}
				}
			}
		}
	}
	if n, ok := top["log"]; ok {
		if m, ok := c.Mapping(n, "log", logKeys, topKeys, "at the top level"); ok {
			if n, ok := m["format"]; ok {
				if s, ok := c.String(n, "log.format"); ok {
					if s != "text" && s != "json" {
						c.Problem(n, "log.format", "must be text or json, got %q", s)
					} else {
						cfg.Log.Format = s
					}
				}
			}
			if n, ok := m["level"]; ok {
				if s, ok := c.String(n, "log.level"); ok {
					switch s {
					case "debug", "info", "warn", "error":
						cfg.Log.Level = s
					default:
						c.Problem(n, "log.level", "must be debug, info, warn or error, got %q", s)
					}
				}
			}
		}
	}
	if n, ok := top["ingress"]; ok {
		if m, ok := c.Mapping(n, "ingress", ingressKeys, topKeys, "at the top level"); ok {
			if n, ok := m["timeout"]; ok {
				if d, ok := c.Duration(n, "ingress.timeout", time.Millisecond, 10*time.Minute); ok {
					cfg.Ingress.Timeout = d
				}
			}
			if n, ok := m["max_body"]; ok {
				if v, ok := c.Size(n, "ingress.max_body", 1<<10, 1<<20); ok {
					cfg.Ingress.MaxBody = v
				}
			}
		}
	}
	if n, ok := top["uploads"]; ok {
		if m, ok := c.Mapping(n, "uploads", uploadKeys, topKeys, "at the top level"); ok {
			if n, ok := m["max_size"]; ok {
				if v, ok := c.Size(n, "uploads.max_size", 64<<10, 4<<30); ok {
					cfg.Uploads.MaxSize = v
				}
			}
			if n, ok := m["max_files"]; ok {
				if v, ok := c.Count(n, "uploads.max_files", 1, 1_000_000); ok {
					cfg.Uploads.MaxFiles = int(v)
				}
			}
			if n, ok := m["max_file"]; ok {
				if v, ok := c.Size(n, "uploads.max_file", 1<<10, 1<<30); ok {
					cfg.Uploads.MaxFile = v
				}
			}
		}
	}
	if n, ok := top["defaults"]; ok {
		c.Limits(n, "defaults", topKeys, &cfg.Defaults)
	}
	cfg.Ceilings = cfg.Defaults
	if n, ok := top["ceilings"]; ok {
		c.Limits(n, "ceilings", topKeys, &cfg.Ceilings)
		if err := c.Err(file); err == nil {
			for _, over := range cfg.Defaults.Exceeding(cfg.Ceilings) {
				c.Problem(n, "ceilings", "below the defaults: %s", over)
			}
		}
	}
	if err := c.Err(file); err != nil {
		return nil, err
	}
	return cfg, nil
}

func absIn(dir, path string) string {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// Shards is the number of scheduler shards: the config's, or one per CPU.
func (c *Config) shards() int {
	if c.Shards > 0 {
		return c.Shards
	}
	return runtime.GOMAXPROCS(0)
}
