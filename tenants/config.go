package tenants

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigFile is the name of a tenant's config in its bundle directory.
const ConfigFile = "tenant.yaml"

// MaxConfigSize bounds a tenant config, in bytes. A config is a few lines; the
// bound keeps a hostile bundle from feeding the YAML parser megabytes.
const MaxConfigSize = 64 << 10

// DefaultHost is the host a tenant has when its config lists none.
const DefaultHost = "app:processes"

// ErrNoConfig is returned (wrapped) by [LoadConfig] for a bundle directory
// without a tenant.yaml, so a caller can fall back to a default config:
//
//	cfg, err := tenants.LoadConfig(dir)
//	if errors.Is(err, tenants.ErrNoConfig) { ... }
var ErrNoConfig = errors.New("no " + ConfigFile + " in the bundle")

// Isolation says where a tenant's processes run.
type Isolation string

const (
	// Sandbox runs processes in wasm instances (the default).
	Sandbox Isolation = "sandbox"
	// Native runs processes in the host process without the wasm sandbox:
	// only for trusted, first-party code.
	Native Isolation = "native"
)

// Config is a tenant's config, read from tenant.yaml in its bundle directory
// (the values shown are the defaults, those of [DefaultLimits]):
//
//	name: acme              # required; [a-z0-9][a-z0-9_-]{0,62}
//	hosts: [app:processes]  # 1 to 64 host IDs namespace:name, each once; default [app:processes]
//	isolation: sandbox      # sandbox (default) | native (trusted code, no wasm)
//	policy: policy.csv      # optional; relative, an existing regular file inside the bundle
//	limits:                 # all optional
//	  processes: 100000     # 1 to 1,000,000 live processes per tenant
//	  spawns_per_second: 100000 # 1 to 100,000
//	  mailbox: 10000        # 1 to 1,000,000 messages queued per process
//	  payload: 1MiB         # 1KiB to 1MiB (abi.MaxPayload) per message payload
//	  names: 10000          # 1 to 1,000,000 registered names per tenant
//	  links: 1000           # 1 to 100,000 links + monitors per process
//	  call_depth: 32        # 1 to 1024 nested process.call
//	  memory: 1GiB          # 16MiB to 4GiB linear memory per instance
//	  tenant_memory: 1GiB   # 16MiB to 1TiB linear memory over all the tenant's instances
//	  memory_soft: 75%      # a percentage, a fraction (0.75) or a size; 4MiB up to below memory
//	  memory_run: 32MiB     # 0 (unlimited) or 1MiB to 4GiB the heap may grow by without waiting
//	  cpu_turn: 20000       # 10,000 to 10,000,000 Lua instructions per turn
//	  cpu_total: 0          # 0 (unlimited) or 10,000 to 10^15 Lua instructions per process
//	  cpu_run: 200000000    # 0 (unlimited) or 10^6 to 10^15 Lua instructions without waiting
//	  cpu_rate: 0           # 0 (unlimited) or 100,000 to 10^12 Lua instructions per second per tenant
//	  cpu_weight: 100       # 1 to 10,000 (0: 100): the tenant's share of the processors when others want them
//
// Sizes are whole bytes or a number with a unit: B, KiB, MiB, GiB, TiB, KB,
// MB, GB, TB (case-sensitive). Counts are YAML integers. 0 is "unlimited"
// only for memory_run, cpu_total, cpu_run and cpu_rate. Unknown keys, duplicate keys, keys without a value and
// more than one YAML document are errors.
//
// # Notes
//
// tenants/TENANT.md is the user-facing description of the file, with the
// reasons for each bound.
type Config struct {
	// Name identifies the tenant: 1 to 63 of a-z, 0-9, '_' and '-',
	// starting with a letter or digit.
	Name string
	// Hosts are the host IDs (namespace:name) processes may be spawned on;
	// [DefaultHost] when the config lists none. Never empty, no duplicates.
	Hosts []string
	// Isolation is [Sandbox] or [Native].
	Isolation Isolation
	// Policy is the absolute path of the tenant's policy file, with symlinks
	// resolved (checked to be a regular file inside the bundle), or "" for none.
	Policy string
	// Limits are the tenant's quotas, defaults filled in.
	Limits Limits
	// Services are the processes started on deploy and kept running.
	Services []Service
	// Dir is the bundle directory, absolute.
	Dir string
	// Lines is the line of each key the file sets, by dotted path
	// ("isolation", "limits.memory"): which limits the tenant asked for, and
	// where, for the operator's checks (see [Operator]).
	Lines map[string]int
	// File is the config's path, as problems name it.
	File string
}

// LoadConfig reads and checks dir/tenant.yaml. A directory without one is an
// error wrapping [ErrNoConfig]; a config with problems is a *[ConfigError]
// listing all of them.
//
// # Notes
//
// tenant.yaml must be a regular file inside the bundle: a symlink pointing out
// of it is refused, so a bundle cannot make the runtime quote another file's
// lines in its error messages. A tenant.yml (the other spelling) is an error
// rather than silently ignored.
func LoadConfig(dir string) (*Config, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("tenant bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("tenant bundle %s: not a directory", dir)
	}
	file := filepath.Join(dir, ConfigFile)
	if _, err := os.Lstat(file); errors.Is(err, fs.ErrNotExist) {
		alt := filepath.Join(dir, "tenant.yml")
		if _, err := os.Lstat(alt); err == nil {
			return nil, &ConfigError{File: alt, Problems: []Problem{{Msg: "the config must be named " + ConfigFile + ": rename this file"}}}
		}
		return nil, fmt.Errorf("tenant bundle %s: %w", dir, ErrNoConfig)
	}
	real, err := resolveInBundle(dir, ConfigFile)
	if err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return nil, &ConfigError{File: file, Problems: []Problem{{Msg: pe.msg}}}
		}
		return nil, fmt.Errorf("tenant bundle %s: %w", dir, err)
	}
	f, err := os.Open(real)
	if err != nil {
		return nil, fmt.Errorf("tenant bundle %s: %w", dir, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("tenant bundle %s: %w", dir, err)
	}
	return ParseConfig(file, data, dir)
}

// ParseConfig checks the tenant config data, read from file (the name used in
// problems), of the bundle in dir (against which the policy path is resolved;
// "" is the current directory). It reports every problem it finds as a
// *[ConfigError], never only the first. A YAML syntax error stops the check:
// nothing after it can be trusted.
func ParseConfig(file string, data []byte, dir string) (*Config, error) {
	if file == "" {
		file = ConfigFile
	}
	if dir == "" {
		dir = "."
	}
	p := &parser{dir: dir}
	cfg := p.config(data)
	if cfg != nil {
		cfg.File = file
	}
	if len(p.problems) > 0 {
		slices.SortStableFunc(p.problems, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, &ConfigError{File: file, Problems: p.problems}
	}
	return cfg, nil
}

// The keys of tenant.yaml.
var (
	topKeys   = []string{"name", "hosts", "isolation", "policy", "limits", "services"}
	limitKeys = func() []string {
		keys := make([]string, len(limitSpecs))
		for i, s := range limitSpecs {
			keys[i] = s.key
		}
		return keys
	}()
)

const maxHosts = 64

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

func (p *parser) config(data []byte) *Config {
	if len(data) > MaxConfigSize {
		p.problems = append(p.problems, Problem{Msg: fmt.Sprintf("larger than %s: a tenant config is a few lines", formatSize(MaxConfigSize))})
		return nil
	}
	root := p.decode(data)
	if root == nil {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.add(root, "", "the top level must be a mapping of keys (%s), got %s", strings.Join(topKeys, ", "), describe(root))
		return nil
	}
	cfg := &Config{Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: DefaultLimits()}
	if abs, err := filepath.Abs(p.dir); err == nil {
		cfg.Dir = abs
	} else {
		cfg.Dir = p.dir
	}
	fields := p.fields(root, "", topKeys, limitKeys, "under limits:")
	if f, ok := fields["name"]; ok {
		if s, ok := p.str(f.val, "name", true); ok {
			if !nameRE.MatchString(s) {
				p.add(f.val, "name", "%q is not a tenant name: 1 to 63 of a-z, 0-9, _ and -, starting with a letter or digit", short(s))
			}
			cfg.Name = s
		}
	} else {
		p.add(root, "name", "required: the tenant's name, such as `name: acme`")
	}
	if f, ok := fields["hosts"]; ok {
		cfg.Hosts = p.hosts(f.val)
	}
	if f, ok := fields["isolation"]; ok {
		if s, ok := p.str(f.val, "isolation", false); ok {
			switch Isolation(s) {
			case Sandbox, Native:
				cfg.Isolation = Isolation(s)
			default:
				p.add(f.val, "isolation", "must be sandbox or native, got %q", short(s))
			}
		}
	}
	if f, ok := fields["policy"]; ok {
		cfg.Policy = p.policy(f.val)
	}
	if f, ok := fields["limits"]; ok {
		p.limits(f.val, "limits", topKeys, &cfg.Limits)
	}
	if f, ok := fields["services"]; ok {
		cfg.Services = p.services(f.val)
	}
	cfg.Lines = p.lines
	return cfg
}

func (p *parser) hosts(n *yaml.Node) []string {
	n = deref(n)
	switch {
	case isNull(n):
		p.add(n, "hosts", "has no value (leave the key out to get [%s])", DefaultHost)
		return nil
	case n.Kind != yaml.SequenceNode:
		p.add(n, "hosts", "must be a list of host IDs, such as [%s], got %s", DefaultHost, describe(n))
		return nil
	case len(n.Content) == 0:
		p.add(n, "hosts", "must list at least one host (leave the key out to get [%s])", DefaultHost)
		return nil
	case len(n.Content) > maxHosts:
		p.add(n, "hosts", "lists %d hosts, more than %d", len(n.Content), maxHosts)
	}
	var hosts []string
	seen := map[string]*yaml.Node{}
	for i, item := range n.Content {
		field := fmt.Sprintf("hosts[%d]", i)
		s, ok := p.str(item, field, true)
		if !ok {
			continue
		}
		if err := checkHostID(s); err != nil {
			p.add(deref(item), field, "%v", err)
			continue
		}
		if first, dup := seen[s]; dup {
			p.add(deref(item), field, "duplicate host %s (first at line %d)", s, first.Line)
			continue
		}
		seen[s] = deref(item)
		hosts = append(hosts, s)
	}
	return hosts
}

// maxHostID bounds a host ID, so a PID (which holds it) stays within abi.MaxName.
const maxHostID = 128

// checkHostID reports why s is not a host ID: namespace:name, the namespace
// dotted, every part a plain name (letters, digits, '_' and '-').
func checkHostID(s string) error {
	if len(s) > maxHostID {
		return fmt.Errorf("host ID %q is longer than %d bytes", short(s), maxHostID)
	}
	ns, name, ok := strings.Cut(s, ":")
	if !ok {
		return fmt.Errorf("host ID %q must be namespace:name, such as %s", short(s), DefaultHost)
	}
	for _, part := range append(strings.Split(ns, "."), name) {
		if part == "" {
			return fmt.Errorf("host ID %q has an empty part: want namespace:name, the namespace dotted (app.jobs:batch)", short(s))
		}
		if !plainName(part) {
			return fmt.Errorf("host ID %q: %q is not a plain name (letters, digits, _ and -)", short(s), short(part))
		}
	}
	return nil
}

// policy checks the policy path and returns it resolved and absolute.
func (p *parser) policy(n *yaml.Node) string {
	rel, ok := p.str(n, "policy", false)
	if !ok {
		return ""
	}
	n = deref(n)
	switch {
	case rel == "":
		p.add(n, "policy", "is empty (leave the key out for no policy)")
	case strings.ContainsRune(rel, 0):
		p.add(n, "policy", "%q is not a path", short(rel))
	case filepath.IsAbs(rel) || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || filepath.VolumeName(rel) != "":
		p.add(n, "policy", "%q must be a path relative to the bundle directory, not absolute", short(rel))
	case !filepath.IsLocal(rel):
		p.add(n, "policy", "%q is outside the bundle directory", short(rel))
	default:
		real, err := resolveInBundle(p.dir, rel)
		if err == nil {
			return real
		}
		var pe *pathError
		if errors.As(err, &pe) {
			p.add(n, "policy", "%s", pe.msg)
		} else {
			p.add(n, "policy", "cannot read %q: %v", short(rel), err)
		}
	}
	return ""
}

// pathError is a path in a bundle that is missing, not a file, or resolves
// outside the bundle.
type pathError struct{ msg string }

// resolveInBundle resolves rel (a local path) in the bundle dir, following
// symlinks, and checks it is a regular file inside the bundle.
func resolveInBundle(dir, rel string) (string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err == nil {
		root, err = filepath.Abs(root)
	}
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(filepath.Join(dir, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return "", &pathError{fmt.Sprintf("%q does not exist in the bundle", short(rel))}
	}
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return "", err
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) {
		return "", &pathError{fmt.Sprintf("%q resolves to a file outside the bundle (a symlink?)", short(rel))}
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", &pathError{fmt.Sprintf("%q is not a regular file", short(rel))}
	}
	return real, nil
}
