package tenants

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moonbox-runtime/moonbox/abi"
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

// Limits are a tenant's quotas. Each field's bounds are listed in
// tenants/TENANT.md; [Limits.Check] enforces them.
type Limits struct {
	Processes       int   // live processes per tenant
	SpawnsPerSecond int   // spawns per second per tenant
	Mailbox         int   // messages queued per process
	Names           int   // registered names per tenant
	Links           int   // links plus monitors per process
	CallDepth       int   // nested process.call depth
	Payload         int64 // bytes of one message payload
	Memory          int64 // linear memory cap per instance, bytes
	MemorySoft      int64 // guest heap past which the running process is ended, bytes
	CPUTurn         int64 // Lua instructions per turn before yielding
	CPUTotal        int64 // Lua instructions per process, 0 = unlimited
	CPURate         int64 // Lua instructions per second over the tenant's processes, 0 = unlimited
}

// DefaultLimits returns the limits of a tenant whose config sets none.
func DefaultLimits() Limits {
	return Limits{
		Processes:       100_000,
		SpawnsPerSecond: 100_000,
		Mailbox:         10_000,
		Names:           10_000,
		Links:           1_000,
		CallDepth:       32,
		Payload:         1 << 20,
		Memory:          1 << 30,
		MemorySoft:      768 << 20, // 75% of Memory
		CPUTurn:         20_000,
		CPUTotal:        0,
		CPURate:         0,
	}
}

// wasmPage is the size of a wasm linear memory page.
const wasmPage = 64 << 10

// MemoryPages is Memory in whole 64 KiB wasm pages (rounded down), the unit
// the sandbox caps linear memory in.
func (l Limits) MemoryPages() uint32 { return uint32(l.Memory / wasmPage) }

// Check reports the first limit out of its bounds, for limits built in Go
// rather than loaded with [LoadConfig] (which reports every problem).
func (l Limits) Check() error {
	for _, s := range limitSpecs {
		v := s.get(&l)
		if v == 0 && s.zeroOK {
			continue
		}
		if v < s.min || v > s.max {
			return fmt.Errorf("limits.%s: %s, got %s", s.key, s.bounds(), s.format(v))
		}
	}
	if l.MemorySoft >= l.Memory {
		return fmt.Errorf("limits.memory_soft: must be below memory (%s), got %s", formatSize(l.Memory), formatSize(l.MemorySoft))
	}
	return nil
}

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
//	  memory_soft: 75%      # a percentage, a fraction (0.75) or a size; 4MiB up to below memory
//	  cpu_turn: 20000       # 10,000 to 10,000,000 Lua instructions per turn
//	  cpu_total: 0          # 0 (unlimited) or 10,000 to 10^15 Lua instructions per process
//	  cpu_rate: 0           # 0 (unlimited) or 100,000 to 10^12 Lua instructions per second per tenant
//
// Sizes are whole bytes or a number with a unit: B, KiB, MiB, GiB, TiB, KB,
// MB, GB, TB (case-sensitive). Counts are YAML integers. 0 is "unlimited"
// only for cpu_total and cpu_rate. Unknown keys, duplicate keys, keys without a value and
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

// A Problem is one thing wrong with a tenant config.
type Problem struct {
	Line, Column int    // 1-based; Line 0 is the file as a whole, Column 0 unknown
	Field        string // dotted path of the key, such as "limits.mailbox" or "hosts[1]"; "" for the file
	Msg          string
}

// ConfigError lists every problem found in one tenant config, in file order.
type ConfigError struct {
	File     string
	Problems []Problem
}

// Error lists the problems one a line, as file:line:col: field: msg.
func (e *ConfigError) Error() string {
	if len(e.Problems) == 0 {
		return e.File + ": invalid tenant config"
	}
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Column > 0 {
				fmt.Fprintf(&b, ":%d", p.Column)
			}
		}
		b.WriteString(": ")
		if p.Field != "" {
			b.WriteString(p.Field)
			b.WriteString(": ")
		}
		b.WriteString(p.Msg)
	}
	return b.String()
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

type limitKind int

const (
	countLimit limitKind = iota // a whole number
	sizeLimit                   // bytes: a whole number or a size with a unit
	softLimit                   // a size, a percentage or a fraction of memory
)

// limitSpec describes one key of limits:. The bounds are there to catch
// mistakes (a misplaced unit, an extra zero) and absurd quotas, not to tune.
type limitSpec struct {
	key      string
	kind     limitKind
	min, max int64
	zeroOK   bool // 0 is allowed (and means unlimited)
	get      func(*Limits) int64
	set      func(*Limits, int64)
}

// limitSpecs are in the order they are checked: memory before memory_soft.
var limitSpecs = []limitSpec{
	{key: "processes", kind: countLimit, min: 1, max: 1_000_000,
		get: func(l *Limits) int64 { return int64(l.Processes) }, set: func(l *Limits, v int64) { l.Processes = int(v) }},
	{key: "spawns_per_second", kind: countLimit, min: 1, max: 100_000,
		get: func(l *Limits) int64 { return int64(l.SpawnsPerSecond) }, set: func(l *Limits, v int64) { l.SpawnsPerSecond = int(v) }},
	{key: "mailbox", kind: countLimit, min: 1, max: 1_000_000,
		get: func(l *Limits) int64 { return int64(l.Mailbox) }, set: func(l *Limits, v int64) { l.Mailbox = int(v) }},
	{key: "payload", kind: sizeLimit, min: 1 << 10, max: abi.MaxPayload,
		get: func(l *Limits) int64 { return l.Payload }, set: func(l *Limits, v int64) { l.Payload = v }},
	{key: "names", kind: countLimit, min: 1, max: 1_000_000,
		get: func(l *Limits) int64 { return int64(l.Names) }, set: func(l *Limits, v int64) { l.Names = int(v) }},
	{key: "links", kind: countLimit, min: 1, max: 100_000,
		get: func(l *Limits) int64 { return int64(l.Links) }, set: func(l *Limits, v int64) { l.Links = int(v) }},
	{key: "call_depth", kind: countLimit, min: 1, max: 1024,
		get: func(l *Limits) int64 { return int64(l.CallDepth) }, set: func(l *Limits, v int64) { l.CallDepth = int(v) }},
	{key: "memory", kind: sizeLimit, min: 16 << 20, max: 4 << 30,
		get: func(l *Limits) int64 { return l.Memory }, set: func(l *Limits, v int64) { l.Memory = v }},
	{key: "memory_soft", kind: softLimit, min: 4 << 20, max: 4<<30 - wasmPage,
		get: func(l *Limits) int64 { return l.MemorySoft }, set: func(l *Limits, v int64) { l.MemorySoft = v }},
	{key: "cpu_turn", kind: countLimit, min: 10_000, max: 10_000_000,
		get: func(l *Limits) int64 { return l.CPUTurn }, set: func(l *Limits, v int64) { l.CPUTurn = v }},
	{key: "cpu_total", kind: countLimit, min: 10_000, max: 1_000_000_000_000_000, zeroOK: true,
		get: func(l *Limits) int64 { return l.CPUTotal }, set: func(l *Limits, v int64) { l.CPUTotal = v }},
	{key: "cpu_rate", kind: countLimit, min: 100_000, max: 1_000_000_000_000, zeroOK: true,
		get: func(l *Limits) int64 { return l.CPURate }, set: func(l *Limits, v int64) { l.CPURate = v }},
}

func (s *limitSpec) format(v int64) string {
	if s.kind == countLimit {
		return strconv.FormatInt(v, 10)
	}
	return formatSize(v)
}

func (s *limitSpec) bounds() string {
	b := fmt.Sprintf("must be between %s and %s", s.format(s.min), s.format(s.max))
	if s.zeroOK {
		b = fmt.Sprintf("must be 0 (unlimited) or between %s and %s", s.format(s.min), s.format(s.max))
	}
	return b
}

// parser collects the problems of one config.
type parser struct {
	dir      string
	problems []Problem
	lines    map[string]int // each known key's line, by dotted path
	empty    string         // the problem for an empty file; "" for tenant.yaml's
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil {
		line, col = n.Line, n.Column
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

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

// decode parses data as exactly one YAML document and returns its top node,
// or nil after adding a problem.
func (p *parser) decode(data []byte) (root *yaml.Node) {
	defer func() { // the YAML parser is not ours: never let it take the host down
		if r := recover(); r != nil {
			p.problems = append(p.problems, Problem{Line: 1, Msg: fmt.Sprintf("cannot parse YAML: %v", r)})
			root = nil
		}
	}()
	empty := p.empty
	if empty == "" {
		empty = "the file is empty: it needs at least `name: <tenant>`"
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			p.add(nil, "", "%s", empty)
		} else {
			p.syntax(data, err)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		p.syntax(data, err)
	default:
		p.add(&next, "", "a second YAML document: a config is exactly one (remove the ---)")
	}
	if len(doc.Content) == 0 {
		p.add(nil, "", "%s", empty)
		return nil
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		p.add(nil, "", "%s", empty)
		return nil
	}
	return root
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?`)

// syntax adds a YAML syntax error. yaml.v3 does not give a line for every
// error; for those it guesses from the data.
func (p *parser) syntax(data []byte, err error) {
	msg := err.Error()
	line, col := 0, 0
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		msg = msg[len(m[0]):]
		line, _ = strconv.Atoi(m[1])
	}
	if parserErrors[msg] && line > 0 {
		// yaml.v3 adds 1 to scanner error lines but not to parser error
		// lines: their marks are 0-based. The line is where the unfinished
		// list or mapping starts, or else where the parser gave up.
		line++
	}
	if line == 0 {
		line, col = guessLine(data, msg)
	}
	if n := lineCount(data); line > n {
		line, col = n, 0 // an error at the end of the stream: the last line
	}
	// yaml.v3 says "found character that cannot start any token" or "found
	// a tab character that violates indentation", on the tab's line or
	// the one before it.
	if strings.Contains(msg, "tab character") || strings.Contains(msg, "cannot start any token") {
		for _, l := range []int{line, line + 1} {
			if tab := indentTab(data, l); tab > 0 {
				p.problems = append(p.problems, Problem{Line: l, Column: tab, Msg: "tabs are not allowed for indentation: indent with spaces"})
				return
			}
		}
	}
	p.problems = append(p.problems, Problem{Line: line, Column: col, Msg: "YAML syntax error: " + msg})
}

// indentTab is the 1-based column of the first tab in the indentation of
// line (1-based) of data, or 0 when it has none.
func indentTab(data []byte, line int) int {
	if line < 1 {
		return 0
	}
	lines := bytes.Split(data, []byte("\n"))
	if line > len(lines) {
		return 0
	}
	for i, c := range lines[line-1] {
		switch c {
		case ' ':
		case '\t':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}

// parserErrors are the messages of yaml.v3's parser (as opposed to its
// scanner and reader).
var parserErrors = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"found undefined tag handle":             true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// lineCol is the 1-based line and column of byte offset off in data, counted
// as YAML does: \n, \r\n, \r, NEL, LS and PS each end a line.
func lineCol(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for i := 0; i < off && i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		i += size
		switch r {
		case '\r':
			if i < len(data) && data[i] == '\n' {
				col++ // the \n ends the line
				continue
			}
			fallthrough
		case '\n', '\u0085', '\u2028', '\u2029':
			line, col = line+1, 1
		default:
			col++
		}
	}
	return line, col
}

// lineCount is the number of lines in data (a break at the end starts no new
// line), at least 1.
func lineCount(data []byte) int {
	n, col := lineCol(data, len(data))
	if col == 1 && n > 1 {
		n--
	}
	return n
}

var unknownAnchorRE = regexp.MustCompile(`^unknown anchor '(.*)' referenced$`)

func guessLine(data []byte, msg string) (line, col int) {
	at := func(off int) (int, int) { return lineCol(data, off) }
	if m := unknownAnchorRE.FindStringSubmatch(msg); m != nil {
		if i := bytes.Index(data, []byte("*"+m[1])); i >= 0 {
			return at(i)
		}
	}
	if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "control characters") {
		for off := 0; off < len(data); {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size <= 1 || r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
				return at(off)
			}
			off += size
		}
	}
	// yaml.v3 leaves the line out when its mark is on the first line.
	return 1, 0
}

var plainKeyRE = regexp.MustCompile(`^[A-Za-z0-9_<-]{1,40}$`)

type entry struct{ key, val *yaml.Node }

// fields checks the keys of mapping n (path is its prefix in field names) and
// returns the known ones. other are the keys of the other level, where a
// misplaced key belongs (hint says where).
func (p *parser) fields(n *yaml.Node, path string, known, other []string, hint string) map[string]entry {
	out := map[string]entry{}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode {
			p.add(k, strings.TrimSuffix(path, "."), "an alias (*%s) cannot be a key", short(k.Value))
			continue
		}
		if k.Kind != yaml.ScalarNode {
			p.add(k, strings.TrimSuffix(path, "."), "keys must be plain words, got %s", describe(k))
			continue
		}
		name := path + k.Value
		if !plainKeyRE.MatchString(k.Value) {
			name = path + strconv.Quote(short(k.Value))
		}
		if k.ShortTag() == "!!merge" {
			p.add(k, name, "merge keys (<<) are not supported: write the keys out")
			continue
		}
		if first, dup := seen[k.Value]; dup {
			p.add(k, name, "duplicate key (first at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		if !slices.Contains(known, k.Value) {
			switch {
			case slices.Contains(other, k.Value):
				p.add(k, name, "unknown key here: %s belongs %s", k.Value, hint)
			case suggest(k.Value, known) != "":
				p.add(k, name, "unknown key (did you mean %s?)", suggest(k.Value, known))
			default:
				p.add(k, name, "unknown key (known keys: %s)", strings.Join(known, ", "))
			}
			continue
		}
		out[k.Value] = entry{k, v}
		if p.lines == nil {
			p.lines = map[string]int{}
		}
		p.lines[path+k.Value] = k.Line
	}
	return out
}

// str returns the string value of n. quote says to suggest quoting a value
// YAML read as a number or boolean.
func (p *parser) str(n *yaml.Node, field string, quote bool) (string, bool) {
	n = deref(n)
	if isNull(n) {
		p.add(n, field, "has no value (leave the key out to get the default)")
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if quote && n.Kind == yaml.ScalarNode {
			hint = fmt.Sprintf(` (quote it: "%s")`, short(n.Value))
		}
		p.add(n, field, "must be a string, got %s%s", describe(n), hint)
		return "", false
	}
	return n.Value, true
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

func (e *pathError) Error() string { return e.msg }

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

// limits reads the mapping of limits n, the value of key field; outer are the
// keys of the level above, for a misplaced key.
func (p *parser) limits(n *yaml.Node, field string, outer []string, l *Limits) {
	n = deref(n)
	if isNull(n) {
		p.add(n, field, "has no value (leave the key out to get the defaults)")
		return
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "must be a mapping of limits (%s), got %s", strings.Join(limitKeys, ", "), describe(n))
		return
	}
	fields := p.fields(n, field+".", limitKeys, outer, "at the top level, not under "+field+":")
	memoryOK, softSet := true, false
	for i := range limitSpecs {
		s := &limitSpecs[i]
		f, ok := fields[s.key]
		if !ok {
			continue
		}
		name := field + "." + s.key
		v := deref(f.val)
		var (
			val   int64
			valid bool
		)
		switch s.kind {
		case countLimit:
			val, valid = p.count(v, name, s.bounds())
		case sizeLimit:
			val, valid = p.size(v, name, s.bounds())
		case softLimit:
			softSet = true
			val, valid = p.soft(v, name, s.bounds(), l.Memory)
		}
		if valid && !(val == 0 && s.zeroOK) && (val < s.min || val > s.max) {
			got := v.Value
			if s.kind != countLimit && v.ShortTag() != "!!int" {
				got = fmt.Sprintf("%s (%d bytes)", short(v.Value), val)
			}
			p.add(v, name, "%s, got %s", s.bounds(), got)
			valid = false
		}
		if s.key == "memory" {
			memoryOK = valid
		}
		if s.kind == softLimit && valid && memoryOK && val >= l.Memory {
			p.add(v, name, "must be below memory (%s), got %s (%d bytes)", formatSize(l.Memory), short(v.Value), val)
			valid = false
		}
		if valid {
			s.set(l, val)
		}
	}
	if !softSet {
		l.MemorySoft = l.Memory / 4 * 3
	}
}

var digitsRE = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// count reads a whole number. bounds is the spec's range, for a number too
// large for 64 bits.
func (p *parser) count(n *yaml.Node, field, bounds string) (int64, bool) {
	if isNull(n) {
		p.add(n, field, "has no value (leave the key out to get the default)")
		return 0, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && digitsRE.MatchString(n.Value) {
		p.add(n, field, "%s, got %s", bounds, short(n.Value)) // YAML reads an integer past 64 bits as a float
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.add(n, field, "must be a whole number, got %s", describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		p.add(n, field, "%q is not a whole number that fits in 64 bits", short(n.Value))
		return 0, false
	}
	return v, true
}

// size reads bytes: a whole number, or a string with a unit.
func (p *parser) size(n *yaml.Node, field, bounds string) (int64, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		v, err := parseSize(n.Value)
		if err != nil {
			p.add(n, field, "%v", err)
			return 0, false
		}
		return v, true
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && !digitsRE.MatchString(n.Value) {
		p.add(n, field, "must be a size such as 256MiB or whole bytes, got %s", describe(n))
		return 0, false
	}
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") || isNull(n) {
		v, ok := p.count(n, field, bounds)
		if ok && v < 0 {
			p.add(n, field, "must not be negative, got %s", n.Value)
			return 0, false
		}
		return v, ok
	}
	p.add(n, field, "must be a size such as 256MiB, got %s", describe(n))
	return 0, false
}

// soft reads memory_soft: a percentage ("75%") or fraction (0.75) of memory,
// or a size.
func (p *parser) soft(n *yaml.Node, field, bounds string, memory int64) (int64, bool) {
	if n.Kind != yaml.ScalarNode {
		p.add(n, field, "must be a percentage of memory such as 75%%, or a size, got %s", describe(n))
		return 0, false
	}
	if n.ShortTag() == "!!float" && !digitsRE.MatchString(n.Value) {
		var f float64
		if err := n.Decode(&f); err != nil || !(f > 0 && f < 1) {
			p.add(n, field, "a fraction of memory must be between 0 and 1 (exclusive), got %s", short(n.Value))
			return 0, false
		}
		return int64(f * float64(memory)), true
	}
	if n.ShortTag() == "!!str" && strings.HasSuffix(n.Value, "%") {
		num := strings.TrimSpace(strings.TrimSuffix(n.Value, "%"))
		r, ok := parseDecimal(num)
		if !ok || r.Sign() <= 0 || r.Cmp(big.NewRat(100, 1)) >= 0 {
			p.add(n, field, "a percentage of memory must be above 0%% and below 100%%, got %q", short(n.Value))
			return 0, false
		}
		r.Mul(r, big.NewRat(memory, 100))
		return new(big.Int).Quo(r.Num(), r.Denom()).Int64(), true
	}
	return p.size(n, field, bounds)
}

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?) ?([A-Za-z]*)$`)

var sizeUnits = []struct {
	name string
	mult int64
}{
	{"B", 1}, {"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
}

// parseSize parses a size such as "256MiB", "1.5 GiB", "64KB" or "4096" (bytes).
// Units are case-sensitive (Mb would be megabits).
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("size %q must not be negative", short(s))
	}
	m := sizeRE.FindStringSubmatch(s)
	if m == nil || len(m[1]) > 24 {
		return 0, fmt.Errorf("%q is not a size: want a number and a unit, such as 256MiB", short(s))
	}
	mult := int64(-1)
	if m[2] == "" {
		mult = 1
	}
	var names []string
	for _, u := range sizeUnits {
		names = append(names, u.name)
		if u.name == m[2] {
			mult = u.mult
		}
	}
	if mult < 0 {
		for _, u := range sizeUnits {
			if strings.EqualFold(u.name, m[2]) {
				return 0, fmt.Errorf("size %q: unknown unit %q (did you mean %s? units are case-sensitive)", short(s), short(m[2]), u.name)
			}
		}
		return 0, fmt.Errorf("size %q: unknown unit %q (use %s)", short(s), short(m[2]), strings.Join(names, ", "))
	}
	r, _ := parseDecimal(m[1])
	r.Mul(r, big.NewRat(mult, 1))
	if !r.IsInt() {
		return 0, fmt.Errorf("size %q is not a whole number of bytes", short(s))
	}
	if !r.Num().IsInt64() {
		return 0, fmt.Errorf("size %q is too large", short(s))
	}
	return r.Num().Int64(), nil
}

var decimalRE = regexp.MustCompile(`^[0-9]{1,24}(\.[0-9]{1,24})?$`)

// parseDecimal parses digits with an optional fraction, exactly.
func parseDecimal(s string) (*big.Rat, bool) {
	if !decimalRE.MatchString(s) {
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// formatSize writes n bytes in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		name string
		mult int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return fmt.Sprintf("%d%s", n/u.mult, u.name)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// deref follows an alias (*name) to its anchored node. An alias never points
// to another alias, and the schema is two levels deep, so a cyclic anchor
// cannot make the parser loop.
func deref(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// describe says what a node is, for "must be X, got Y".
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "no value"
		case "!!int", "!!float":
			return "the number " + short(n.Value)
		case "!!bool":
			return "the boolean " + short(n.Value)
		case "!!str":
			return fmt.Sprintf("the string %q", short(n.Value))
		default:
			return fmt.Sprintf("a %s value", short(n.ShortTag()))
		}
	}
	return "an alias"
}

// short truncates s for a message.
func short(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// suggest returns the known key closest to key, if it is close enough to be
// a typo (at most 2 edits, ignoring case).
func suggest(key string, known []string) string {
	best, bestD := "", 3
	if len(key) > 64 {
		return ""
	}
	for _, k := range known {
		if d := editDistance(strings.ToLower(key), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
