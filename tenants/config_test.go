package tenants

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

var update = flag.Bool("update", false, "rewrite testdata/broken-*/want.txt")

// goodDir is a bundle with a policy.csv, a main.lua and a lib/ directory.
const goodDir = "testdata/good"

func mustAbs(t testing.TB, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		t.Fatal(err)
	}
	return real
}

func TestParseConfigValid(t *testing.T) {
	def := DefaultLimits()
	with := func(f func(*Limits)) Limits {
		l := DefaultLimits()
		f(&l)
		return l
	}
	policy := mustAbs(t, filepath.Join(goodDir, "policy.csv"))
	tests := []struct {
		name, yaml string
		want       Config // Dir is filled in
	}{
		{"minimal", "name: acme\n",
			Config{Name: "acme", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: def}},
		{"quoted name, comments, document markers", "# tenant\n---\nname: \"007\" # digits only\n...\n",
			Config{Name: "007", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: def}},
		{"longest name", "name: " + strings.Repeat("a", 63),
			Config{Name: strings.Repeat("a", 63), Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: def}},
		{"hosts and native", "name: a_b-c\nhosts: [app.jobs:batch, app:processes, x.y.z:w_1-2]\nisolation: native\n",
			Config{Name: "a_b-c", Hosts: []string{"app.jobs:batch", "app:processes", "x.y.z:w_1-2"}, Isolation: Native, Limits: def}},
		{"block list of hosts", "name: a\nhosts:\n  - app:one\n  - App:Two\n",
			Config{Name: "a", Hosts: []string{"app:one", "App:Two"}, Isolation: Sandbox, Limits: def}},
		{"policy", "name: a\npolicy: policy.csv\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Policy: policy, Limits: def}},
		{"policy through ./ and ..", "name: a\npolicy: ./lib/../policy.csv\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Policy: policy, Limits: def}},
		{"empty limits", "name: a\nlimits: {}\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: def}},
		{"every limit", `name: a
limits:
  processes: 1
  spawns_per_second: 100_000
  mailbox: 0x10
  payload: 1KiB
  names: 1000000
  links: 100000
  call_depth: 1024
  memory: 4GiB
  tenant_memory: 8GiB
  memory_soft: 4194304
  memory_run: 0
  cpu_turn: 10000
  cpu_total: 1000000000000000
  cpu_run: 0
  cpu_rate: 100000
  cpu_weight: 10000
`, Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: Limits{
			Processes: 1, SpawnsPerSecond: 100_000, Mailbox: 16, Payload: 1 << 10, Names: 1_000_000, Links: 100_000,
			CallDepth: 1024, Memory: 4 << 30, TenantMemory: 8 << 30, MemorySoft: 4 << 20, MemoryRun: 0, CPUTurn: 10_000, CPUTotal: 1e15, CPURun: 0, CPURate: 100_000, CPUWeight: 10_000}}},
		{"memory alone: soft is 75% of it", "name: a\nlimits:\n  memory: 64MiB\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Memory, l.MemorySoft = 64<<20, 48<<20 })}},
		{"memory_soft before memory in the file", "name: a\nlimits:\n  memory_soft: 50%\n  memory: 64MiB\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Memory, l.MemorySoft = 64<<20, 32<<20 })}},
		{"soft as a fraction", "name: a\nlimits:\n  memory_soft: 0.5\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.MemorySoft = 512 << 20 })}},
		{"soft as a decimal percentage", "name: a\nlimits:\n  memory_soft: 12.5 %\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.MemorySoft = 128 << 20 })}},
		{"soft as a size", "name: a\nlimits:\n  memory_soft: 100MiB\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.MemorySoft = 100 << 20 })}},
		{"decimal units and spaces", "name: a\nlimits:\n  memory: 300 MB\n  payload: 1.5KiB\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) {
				l.Memory, l.MemorySoft, l.Payload = 300e6, 300e6/4*3, 1536
			})}},
		{"sizes as bytes", "name: a\nlimits:\n  payload: 2048\n  memory: \"33554432\"\n  memory_soft: 16777216B\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) {
				l.Payload, l.Memory, l.MemorySoft = 2048, 32<<20, 16<<20
			})}},
		{"fractional GiB", "name: a\nlimits:\n  memory: 1.5GiB\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Memory, l.MemorySoft = 3<<29, 9<<27 })}},
		{"anchors and aliases as values", "name: &n a\nhosts: [app:x]\nlimits:\n  mailbox: &m 500\n  names: *m\n",
			Config{Name: "a", Hosts: []string{"app:x"}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Mailbox, l.Names = 500, 500 })}},
		{"flow style", "{name: a, limits: {mailbox: 7}}",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Mailbox = 7 })}},
		{"CRLF line ends", "name: a\r\nlimits:\r\n  links: 3\r\n",
			Config{Name: "a", Hosts: []string{DefaultHost}, Isolation: Sandbox, Limits: with(func(l *Limits) { l.Links = 3 })}},
	}
	dir := mustAbs(t, goodDir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("tenant.yaml", []byte(tt.yaml), goodDir)
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			tt.want.Dir = dir
			got := *cfg
			got.Lines, got.File = nil, "" // TestOperator covers them
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if err := cfg.Limits.Check(); err != nil {
				t.Errorf("Limits.Check: %v", err)
			}
		})
	}
}

// want is one expected problem: line (and column unless 0), field, and a
// substring of the message.
type want struct {
	line, col int
	field     string
	msg       string
}

func checkProblems(t *testing.T, err error, file string, wants []want) {
	t.Helper()
	var ce *ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v (%T), want a *ConfigError", err, err)
	}
	if ce.File != file {
		t.Errorf("File = %q, want %q", ce.File, file)
	}
	text := ce.Error()
	if len(ce.Problems) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%s", len(ce.Problems), len(wants), text)
	}
	for _, w := range wants {
		found := false
		for _, p := range ce.Problems {
			if p.Line == w.line && (w.col == 0 || p.Column == w.col) && p.Field == w.field && strings.Contains(p.Msg, w.msg) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no problem %d:%d %q %q in:\n%s", w.line, w.col, w.field, w.msg, text)
		}
	}
	if !strings.HasPrefix(text, file+":") {
		t.Errorf("Error() does not start with the file name:\n%s", text)
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []want
	}{
		// The file as a whole.
		{"empty", "", []want{{1, 1, "", "the file is empty"}}},
		{"blank", "  \n\n", []want{{1, 1, "", "the file is empty"}}},
		{"only comments", "# name: acme\n", []want{{1, 1, "", "the file is empty"}}},
		{"only a document marker", "---\n", []want{{1, 1, "", "the file is empty"}}},
		{"null document", "~\n", []want{{1, 1, "", "the file is empty"}}},
		{"a list", "- name: a\n", []want{{1, 1, "", "the top level must be a mapping"}}},
		{"a scalar", "acme\n", []want{{1, 1, "", "got the string \"acme\""}}},
		{"two documents", "name: a\n---\nname: b\n", []want{{2, 1, "", "a second YAML document"}}},
		{"trailing empty document", "name: a\n---\n", []want{{2, 0, "", "a second YAML document"}}},
		{"second document broken", "name: a\n---\nb: [\n", []want{{3, 0, "", "YAML syntax error"}}},
		{"too large", "name: a\n" + strings.Repeat("#", MaxConfigSize), []want{{0, 0, "", "larger than 64KiB"}}},

		// YAML syntax, with the line.
		{"bad indentation", "name: a\nlimits:\n  mailbox: 1\n   names: 2\n", []want{{4, 0, "", "YAML syntax error: mapping values are not allowed"}}},
		{"unclosed flow", "name: a\nhosts: [app:x,\nlimits: {}\n", []want{{2, 0, "", "YAML syntax error: did not find expected ',' or ']'"}}},
		{"unclosed quote", "name: 'a\n", []want{{1, 0, "", "YAML syntax error"}}},
		{"tab indentation", "name: a\nlimits:\n\tmailbox: 1\n", []want{{3, 1, "", "tabs are not allowed for indentation: indent with spaces"}}},
		{"tab after spaces", "name: a\nhosts:\n  \t- app:x\n", []want{{3, 3, "", "tabs are not allowed for indentation"}}},
		{"tab line after a mapping", "name: a\nlimits:\n  mailbox: 1\n\t\n", []want{{4, 1, "", "tabs are not allowed for indentation"}}},
		{"unknown anchor", "name: a\nlimits:\n  mailbox: *m\n", []want{{3, 12, "", "unknown anchor 'm'"}}},
		{"bad UTF-8", "name: a\nhosts: [app:x]\n# \xff\n", []want{{3, 3, "", "UTF-8"}}},
		{"control character", "name: a\nisolation: s\x01\n", []want{{2, 13, "", "control characters"}}},
		{"syntax error on line 1", "\tname: a\n", []want{{1, 1, "", "tabs are not allowed for indentation"}}},

		// Keys.
		{"unknown top-level key", "name: a\nnmae: b\nfoo: 1\n", []want{
			{2, 1, "nmae", "unknown key (did you mean name?)"},
			{3, 1, "foo", "unknown key (known keys: name, hosts"}}},
		{"unknown limit key", "name: a\nlimits:\n  mailbx: 1\n  Mailbox: 2\n  quota: 3\n", []want{
			{3, 3, "limits.mailbx", "did you mean mailbox?"},
			{4, 3, "limits.Mailbox", "did you mean mailbox?"},
			{5, 3, "limits.quota", "known keys: processes,"}}},
		{"limit at the top level", "name: a\nmailbox: 5\n", []want{{2, 1, "mailbox", "belongs under limits:"}}},
		{"top-level key under limits", "name: a\nlimits:\n  hosts: [app:x]\n", []want{{3, 3, "limits.hosts", "belongs at the top level"}}},
		{"duplicate top-level key", "name: a\nname: b\nname: c\n", []want{
			{2, 1, "name", "duplicate key (first at line 1)"},
			{3, 1, "name", "duplicate key (first at line 1)"}}},
		{"duplicate limit key", "name: a\nlimits:\n  links: 5\n  links: -1\n", []want{{4, 3, "limits.links", "duplicate key (first at line 3)"}}},
		{"merge key", "name: a\nbase: &b {mailbox: 1}\nlimits:\n  <<: *b\n", []want{
			{2, 1, "base", "unknown key"},
			{4, 3, "limits.<<", "merge keys (<<) are not supported"}}},
		{"alias key", "name: &k a\n*k : b\n", []want{{2, 1, "", "an alias (*k) cannot be a key"}}},
		{"list key", "name: a\n? [x, y]\n: 1\n", []want{{2, 3, "", "keys must be plain words, got a list"}}},
		{"odd key quoted in the field", "name: a\n\"a\\nb\": 1\n", []want{{2, 1, `"a\nb"`, "unknown key"}}},

		// name.
		{"missing name", "hosts: [app:x]\n", []want{{1, 1, "name", "required"}}},
		{"upper-case name", "name: Acme\n", []want{{1, 7, "name", `"Acme" is not a tenant name`}}},
		{"name too long", "name: " + strings.Repeat("a", 64) + "\n", []want{{1, 7, "name", "is not a tenant name"}}},
		{"name starts with -", "name: -a\n", []want{{1, 7, "name", "is not a tenant name"}}},
		{"name starts with _", "name: _a\n", []want{{1, 7, "name", "is not a tenant name"}}},
		{"empty name", "name: ''\n", []want{{1, 7, "name", `"" is not a tenant name`}}},
		{"name with a dot", "name: a.b\n", []want{{1, 7, "name", "is not a tenant name"}}},
		{"numeric name", "name: 42\n", []want{{1, 7, "name", `must be a string, got the number 42 (quote it: "42")`}}},
		{"null name", "name:\n", []want{{1, 6, "name", "has no value"}}},
		{"list name", "name: [a]\n", []want{{1, 7, "name", "must be a string, got a list"}}},

		// hosts.
		{"hosts a string", "name: a\nhosts: app:x\n", []want{{2, 8, "hosts", "must be a list of host IDs"}}},
		{"hosts empty", "name: a\nhosts: []\n", []want{{2, 8, "hosts", "at least one host"}}},
		{"hosts null", "name: a\nhosts:\n", []want{{2, 7, "hosts", "has no value"}}},
		{"host without namespace", "name: a\nhosts: [processes]\n", []want{{2, 9, "hosts[0]", "must be namespace:name"}}},
		{"host with empty parts", "name: a\nhosts: [':x', 'app:', 'a..b:c']\n", []want{
			{2, 9, "hosts[0]", "empty part"}, {2, 15, "hosts[1]", "empty part"}, {2, 23, "hosts[2]", "empty part"}}},
		{"host with two colons", "name: a\nhosts: ['a:b:c']\n", []want{{2, 9, "hosts[0]", `"b:c" is not a plain name`}}},
		{"host with a space", "name: a\nhosts: ['a b:c']\n", []want{{2, 9, "hosts[0]", `"a b" is not a plain name`}}},
		{"host with a PID delimiter", "name: a\nhosts: ['app:x|y']\n", []want{{2, 9, "hosts[0]", "is not a plain name"}}},
		{"host too long", "name: a\nhosts: [app:" + strings.Repeat("x", 130) + "]\n", []want{{2, 9, "hosts[0]", "longer than 128 bytes"}}},
		{"host not a string", "name: a\nhosts: [1, [x], {a: b}]\n", []want{
			{2, 9, "hosts[0]", "must be a string, got the number 1"},
			{2, 12, "hosts[1]", "got a list"},
			{2, 17, "hosts[2]", "got a mapping"}}},
		{"duplicate hosts", "name: a\nhosts:\n  - app:x\n  - app:y\n  - app:x\n", []want{{5, 5, "hosts[2]", "duplicate host app:x (first at line 3)"}}},
		{"too many hosts", "name: a\nhosts: [" + strings.Repeat("app:x, ", 64) + "app:x]\n", func() []want {
			w := []want{{2, 8, "hosts", "lists 65 hosts, more than 64"}}
			for i := 1; i <= 64; i++ {
				w = append(w, want{2, 0, "hosts[" + strconv.Itoa(i) + "]", "duplicate host"})
			}
			return w
		}()},

		// isolation.
		{"bad isolation", "name: a\nisolation: wasm\n", []want{{2, 12, "isolation", "must be sandbox or native, got \"wasm\""}}},
		{"isolation is case-sensitive", "name: a\nisolation: Native\n", []want{{2, 12, "isolation", "must be sandbox or native"}}},
		{"isolation a bool", "name: a\nisolation: true\n", []want{{2, 12, "isolation", "must be a string, got the boolean true"}}},

		// policy.
		{"missing policy", "name: a\npolicy: nope.csv\n", []want{{2, 9, "policy", `"nope.csv" does not exist in the bundle`}}},
		{"policy outside", "name: a\npolicy: ../minimal/tenant.yaml\n", []want{{2, 9, "policy", "is outside the bundle directory"}}},
		{"policy outside through a subdir", "name: a\npolicy: lib/../../x\n", []want{{2, 9, "policy", "is outside the bundle directory"}}},
		{"policy absolute", "name: a\npolicy: /etc/passwd\n", []want{{2, 9, "policy", "must be a path relative to the bundle directory"}}},
		{"policy a directory", "name: a\npolicy: lib\n", []want{{2, 9, "policy", `"lib" is not a regular file`}}},
		{"policy the bundle itself", "name: a\npolicy: .\n", []want{{2, 9, "policy", "is not a regular file"}}},
		{"policy empty", "name: a\npolicy: ''\n", []want{{2, 9, "policy", "is empty"}}},
		{"policy null", "name: a\npolicy:\n", []want{{2, 8, "policy", "has no value"}}},
		{"policy through a file", "name: a\npolicy: policy.csv/x\n", []want{{2, 9, "policy", "cannot read"}}},

		// limits: types.
		{"limits a list", "name: a\nlimits: [1]\n", []want{{2, 9, "limits", "must be a mapping of limits"}}},
		{"limits null", "name: a\nlimits:\n", []want{{2, 8, "limits", "has no value"}}},
		{"count a string", "name: a\nlimits:\n  processes: lots\n", []want{{3, 14, "limits.processes", `must be a whole number, got the string "lots"`}}},
		{"count quoted", "name: a\nlimits:\n  processes: '10'\n", []want{{3, 14, "limits.processes", "must be a whole number"}}},
		{"count a float", "name: a\nlimits:\n  mailbox: 1.5\n", []want{{3, 12, "limits.mailbox", "must be a whole number, got the number 1.5"}}},
		{"count in exponent form", "name: a\nlimits:\n  mailbox: 1e4\n", []want{{3, 12, "limits.mailbox", "must be a whole number"}}},
		{"count a bool", "name: a\nlimits:\n  names: yes\n", []want{{3, 10, "limits.names", "must be a whole number"}}},
		{"count null", "name: a\nlimits:\n  names:\n", []want{{3, 9, "limits.names", "has no value"}}},
		{"count a mapping", "name: a\nlimits:\n  names: {a: 1}\n", []want{{3, 10, "limits.names", "got a mapping"}}},
		{"count with a bad explicit tag", "name: a\nlimits:\n  names: !!int abc\n", []want{{3, 10, "limits.names", "is not a whole number that fits in 64 bits"}}},
		{"count past uint64", "name: a\nlimits:\n  names: 99999999999999999999\n", []want{{3, 10, "limits.names", "must be between 1 and 1000000, got 99999999999999999999"}}},
		{"count past int64", "name: a\nlimits:\n  names: 18446744073709551615\n", []want{{3, 10, "limits.names", "fits in 64 bits"}}},

		// limits: bounds.
		{"negative counts", "name: a\nlimits:\n  processes: -1\n  cpu_total: -5\n  cpu_turn: -10000\n", []want{
			{3, 14, "limits.processes", "must be between 1 and 1000000, got -1"},
			{4, 14, "limits.cpu_total", "must be 0 (unlimited) or between 10000 and 1000000000000000, got -5"},
			{5, 13, "limits.cpu_turn", "must be between 10000 and 10000000"}}},
		{"zero counts", "name: a\nlimits:\n  processes: 0\n  spawns_per_second: 0\n  mailbox: 0\n  names: 0\n  links: 0\n  call_depth: 0\n  cpu_turn: 0\n", []want{
			{3, 0, "limits.processes", "got 0"}, {4, 0, "limits.spawns_per_second", "got 0"}, {5, 0, "limits.mailbox", "got 0"},
			{6, 0, "limits.names", "got 0"}, {7, 0, "limits.links", "got 0"}, {8, 0, "limits.call_depth", "got 0"},
			{9, 0, "limits.cpu_turn", "got 0"}}},
		{"absurd counts", "name: a\nlimits:\n  processes: 1000001\n  spawns_per_second: 100001\n  mailbox: 1000001\n  names: 1000001\n  links: 100001\n  call_depth: 1025\n  cpu_turn: 10000001\n  cpu_total: 1000000000000001\n", []want{
			{3, 0, "limits.processes", "must be between 1 and 1000000"}, {4, 0, "limits.spawns_per_second", "and 100000,"},
			{5, 0, "limits.mailbox", "and 1000000,"}, {6, 0, "limits.names", "and 1000000,"}, {7, 0, "limits.links", "and 100000,"},
			{8, 0, "limits.call_depth", "between 1 and 1024, got 1025"}, {9, 0, "limits.cpu_turn", "and 10000000,"},
			{10, 0, "limits.cpu_total", "got 1000000000000001"}}},
		{"cpu_total below one tick", "name: a\nlimits:\n  cpu_total: 9999\n", []want{{3, 14, "limits.cpu_total", "got 9999"}}},
		{"cpu_rate out of bounds", "name: a\nlimits:\n  cpu_rate: 99999\n", []want{{3, 13, "limits.cpu_rate", "must be 0 (unlimited) or between 100000 and 1000000000000, got 99999"}}},

		// limits: sizes.
		{"size in parsecs", "name: a\nlimits:\n  memory: 12 parsecs\n", []want{{3, 11, "limits.memory", `size "12 parsecs": unknown unit "parsecs" (use B, KiB, MiB`}}},
		{"size unit case", "name: a\nlimits:\n  memory: 64mib\n", []want{{3, 11, "limits.memory", `unknown unit "mib" (did you mean MiB?`}}},
		{"size without a number", "name: a\nlimits:\n  payload: MiB\n", []want{{3, 12, "limits.payload", `"MiB" is not a size`}}},
		{"size with two units", "name: a\nlimits:\n  payload: 1 MiB KiB\n", []want{{3, 12, "limits.payload", "is not a size"}}},
		{"negative size", "name: a\nlimits:\n  payload: -1KiB\n  memory: -5\n", []want{
			{3, 12, "limits.payload", "must not be negative"}, {4, 11, "limits.memory", "must not be negative"}}},
		{"size as a float", "name: a\nlimits:\n  payload: 1.5\n", []want{{3, 12, "limits.payload", "must be a size such as 256MiB or whole bytes, got the number 1.5"}}},
		{"size not whole bytes", "name: a\nlimits:\n  payload: 1.1KiB\n", []want{{3, 12, "limits.payload", "is not a whole number of bytes"}}},
		{"size too large", "name: a\nlimits:\n  memory: 99999999999999TiB\n", []want{{3, 11, "limits.memory", "is too large"}}},
		{"size a list", "name: a\nlimits:\n  memory: [1]\n", []want{{3, 11, "limits.memory", "must be a size such as 256MiB, got a list"}}},
		{"payload above abi.MaxPayload", "name: a\nlimits:\n  payload: 2MiB\n", []want{{3, 12, "limits.payload", "must be between 1KiB and 1MiB, got 2MiB (2097152 bytes)"}}},
		{"payload tiny", "name: a\nlimits:\n  payload: 512\n", []want{{3, 12, "limits.payload", "got 512"}}},
		{"memory too small", "name: a\nlimits:\n  memory: 8MiB\n", []want{{3, 11, "limits.memory", "must be between 16MiB and 4GiB, got 8MiB"}}},
		{"memory too large", "name: a\nlimits:\n  memory: 5GB\n", []want{{3, 11, "limits.memory", "must be between 16MiB and 4GiB, got 5GB (5000000000 bytes)"}}},
		{"memory past uint64", "name: a\nlimits:\n  memory: 99999999999999999999\n", []want{{3, 11, "limits.memory", "must be between 16MiB and 4GiB"}}},

		// limits: memory_soft.
		{"soft at memory", "name: a\nlimits:\n  memory: 64MiB\n  memory_soft: 64MiB\n", []want{{4, 16, "limits.memory_soft", "must be below memory (64MiB)"}}},
		{"soft above default memory", "name: a\nlimits:\n  memory_soft: 2GiB\n", []want{{3, 16, "limits.memory_soft", "must be below memory (1GiB)"}}},
		{"soft 100%", "name: a\nlimits:\n  memory_soft: 100%\n", []want{{3, 16, "limits.memory_soft", "above 0% and below 100%"}}},
		{"soft 0%", "name: a\nlimits:\n  memory_soft: 0%\n", []want{{3, 16, "limits.memory_soft", "above 0% and below 100%"}}},
		{"soft bad percentage", "name: a\nlimits:\n  memory_soft: lots%\n", []want{{3, 16, "limits.memory_soft", `got "lots%"`}}},
		{"soft fraction 1.5", "name: a\nlimits:\n  memory_soft: 1.5\n", []want{{3, 16, "limits.memory_soft", "between 0 and 1"}}},
		{"soft fraction NaN", "name: a\nlimits:\n  memory_soft: .nan\n", []want{{3, 16, "limits.memory_soft", "between 0 and 1"}}},
		{"soft too small", "name: a\nlimits:\n  memory_soft: 0.1%\n", []want{{3, 16, "limits.memory_soft", "must be between 4MiB and"}}},
		{"soft 75 bytes", "name: a\nlimits:\n  memory_soft: 75\n", []want{{3, 16, "limits.memory_soft", "got 75"}}},
		{"soft a mapping", "name: a\nlimits:\n  memory_soft: {percent: 75}\n", []want{{3, 16, "limits.memory_soft", "must be a percentage of memory such as 75%, or a size"}}},
		{"soft with a bad memory: only memory is reported", "name: a\nlimits:\n  memory: 1TiB\n  memory_soft: 300MiB\n", []want{{3, 11, "limits.memory", "got 1TiB"}}},

		// Everything at once: every problem is reported, in file order.
		{"many problems", "name: A\nhosts: [x]\nisolation: vm\nlimits:\n  mailbx: 1\n  memory: 1 parsec\n  payload: -1\n", []want{
			{1, 7, "name", "is not a tenant name"},
			{2, 9, "hosts[0]", "must be namespace:name"},
			{3, 12, "isolation", "must be sandbox or native"},
			{5, 3, "limits.mailbx", "did you mean mailbox?"},
			{6, 11, "limits.memory", "unknown unit"},
			{7, 12, "limits.payload", "must not be negative"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("bundle/tenant.yaml", []byte(tt.yaml), goodDir)
			if cfg != nil {
				t.Errorf("got a config with an error: %+v", cfg)
			}
			checkProblems(t, err, "bundle/tenant.yaml", tt.want)
			ce := err.(*ConfigError)
			for i := 1; i < len(ce.Problems); i++ {
				a, b := ce.Problems[i-1], ce.Problems[i]
				if a.Line > b.Line || a.Line == b.Line && a.Column > b.Column {
					t.Errorf("problems out of file order:\n%s", ce)
				}
			}
		})
	}
}

// TestPolicySymlinks checks symlinks are followed only inside the bundle.
func TestPolicySymlinks(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.csv")
	if err := os.WriteFile(secret, []byte("p, x, y, z\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("no symlinks here: %v", err)
		}
	}
	write("policies/real.csv", "p, a, b, c\n")
	link(secret, "abs-out.csv")
	link("../"+filepath.Base(outside)+"/secret.csv", "rel-out.csv")
	link(outside, "outdir")
	link("policies/real.csv", "inside.csv")
	link("policies", "pol")
	link("nowhere.csv", "dangling.csv")
	link("loop.csv", "loop.csv")

	real := mustAbs(t, filepath.Join(dir, "policies/real.csv"))
	for _, tt := range []struct {
		policy, want, msg string
	}{
		{policy: "inside.csv", want: real},
		{policy: "pol/real.csv", want: real},
		{policy: "policies/real.csv", want: real},
		{policy: "abs-out.csv", msg: `"abs-out.csv" resolves to a file outside the bundle`},
		{policy: "rel-out.csv", msg: "outside the bundle"},
		{policy: "outdir/secret.csv", msg: "outside the bundle"},
		{policy: secret, msg: "must be a path relative to the bundle directory"},
		{policy: "dangling.csv", msg: "does not exist in the bundle"},
		{policy: "loop.csv", msg: "cannot read"},
	} {
		cfg, err := ParseConfig("tenant.yaml", []byte("name: a\npolicy: '"+tt.policy+"'\n"), dir)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.policy, err)
			} else if cfg.Policy != tt.want {
				t.Errorf("%s: Policy = %q, want %q", tt.policy, cfg.Policy, tt.want)
			}
			continue
		}
		checkProblems(t, err, "tenant.yaml", []want{{2, 9, "policy", tt.msg}})
		if strings.Contains(err.Error(), outside) && tt.policy != secret {
			t.Errorf("%s: the message names the outside path: %v", tt.policy, err)
		}
	}
}

// TestLoadConfigTestdata loads every bundle in testdata: good ones must load,
// broken ones must fail with exactly the text of their want.txt.
func TestLoadConfigTestdata(t *testing.T) {
	cfg, err := LoadConfig(goodDir)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Name:      "acme",
		Hosts:     []string{"app:processes", "app.jobs:batch"},
		Isolation: Sandbox,
		Policy:    mustAbs(t, filepath.Join(goodDir, "policy.csv")),
		Limits: Limits{Processes: 5000, SpawnsPerSecond: 200, Mailbox: 2000, Payload: 256 << 10, Names: 100, Links: 50,
			CallDepth: 8, Memory: 128 << 20, TenantMemory: 1 << 30, MemorySoft: 128 << 20 * 4 / 5, CPUTurn: 100_000, CPUTotal: 50_000_000,
			MemoryRun: DefaultLimits().MemoryRun, CPURun: DefaultLimits().CPURun, CPUWeight: DefaultLimits().CPUWeight},
		Dir:  mustAbs(t, goodDir),
		File: filepath.Join(goodDir, ConfigFile),
		Lines: map[string]int{"name": 2, "hosts": 3, "isolation": 6, "policy": 7, "limits": 8, "limits.processes": 9,
			"limits.spawns_per_second": 10, "limits.mailbox": 11, "limits.payload": 12, "limits.names": 13, "limits.links": 14,
			"limits.call_depth": 15, "limits.memory": 16, "limits.memory_soft": 17, "limits.cpu_turn": 18, "limits.cpu_total": 19},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("good:\ngot  %+v\nwant %+v", cfg, want)
	}
	// The bundle's sources are there for the config's hosts.
	b, err := OpenBundle(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"main", "lib:util"} {
		if _, serr := b.Source(id); serr != nil {
			t.Errorf("good: source %s: %v", id, serr)
		}
	}

	cfg, err = LoadConfig("testdata/minimal")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Name != "minimal" || !reflect.DeepEqual(cfg.Hosts, []string{DefaultHost}) || cfg.Isolation != Sandbox ||
		cfg.Policy != "" || cfg.Limits != DefaultLimits() || cfg.Dir != mustAbs(t, "testdata/minimal") {
		t.Errorf("minimal: %+v", cfg)
	}

	if _, err := LoadConfig("testdata/no-config"); !errors.Is(err, ErrNoConfig) {
		t.Errorf("no-config: got %v, want ErrNoConfig", err)
	}

	broken, err := filepath.Glob("testdata/broken-*")
	if err != nil || len(broken) < 8 {
		t.Fatalf("broken bundles: %v %v", broken, err)
	}
	for _, dir := range broken {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cfg, err := LoadConfig(dir)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %+v, %v; want a *ConfigError", cfg, err)
			}
			got := filepath.ToSlash(err.Error()) + "\n"
			wantFile := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("got:\n%swant (%s, run with -update to rewrite):\n%s", got, wantFile, want)
			}
		})
	}
}

func TestLoadConfigFiles(t *testing.T) {
	if _, err := LoadConfig("testdata/nowhere"); err == nil || errors.Is(err, ErrNoConfig) {
		t.Errorf("missing directory: got %v, want an error other than ErrNoConfig", err)
	}
	if _, err := LoadConfig("testdata/good/main.lua"); err == nil || errors.Is(err, ErrNoConfig) {
		t.Errorf("a file as the bundle: got %v", err)
	}

	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "passwd"), []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(dir, ConfigFile)); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	_, err := LoadConfig(dir)
	checkProblems(t, err, filepath.Join(dir, ConfigFile), []want{{0, 0, "", "resolves to a file outside the bundle"}})
	if strings.Contains(err.Error(), "root") {
		t.Errorf("the error quotes the outside file: %v", err)
	}

	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, ConfigFile), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(dir)
	checkProblems(t, err, filepath.Join(dir, ConfigFile), []want{{0, 0, "", "is not a regular file"}})

	dir = t.TempDir()
	if err := os.Symlink("elsewhere.yaml", filepath.Join(dir, ConfigFile)); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(dir)
	if errors.Is(err, ErrNoConfig) {
		t.Errorf("dangling tenant.yaml symlink: got ErrNoConfig, want a problem")
	}
	checkProblems(t, err, filepath.Join(dir, ConfigFile), []want{{0, 0, "", "does not exist"}})

	dir = t.TempDir()
	big := append([]byte("name: a\n"), bytes.Repeat([]byte("# padding\n"), MaxConfigSize/10+1)...)
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), big, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadConfig(dir)
	checkProblems(t, err, filepath.Join(dir, ConfigFile), []want{{0, 0, "", "larger than 64KiB"}})
}

func TestConfigErrorFormat(t *testing.T) {
	e := &ConfigError{File: "t.yaml", Problems: []Problem{
		{Msg: "whole file"},
		{Line: 3, Msg: "no column"},
		{Line: 4, Column: 2, Field: "limits.mailbox", Msg: "bad"},
	}}
	want := "t.yaml: whole file\nt.yaml:3: no column\nt.yaml:4:2: limits.mailbox: bad"
	if got := e.Error(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := (&ConfigError{File: "t.yaml"}).Error(); got != "t.yaml: invalid tenant config" {
		t.Errorf("no problems: %q", got)
	}
}

func TestLimits(t *testing.T) {
	l := DefaultLimits()
	if err := l.Check(); err != nil {
		t.Errorf("DefaultLimits: %v", err)
	}
	if l.MemorySoft != l.Memory/4*3 {
		t.Errorf("default soft limit %d is not 75%% of %d", l.MemorySoft, l.Memory)
	}
	if l.Payload != abi.MaxPayload {
		t.Errorf("default payload %d, want abi.MaxPayload", l.Payload)
	}
	if got := l.MemoryPages(); got != 16384 {
		t.Errorf("MemoryPages = %d, want 16384", got)
	}
	l.Memory = 4 << 30
	if got := l.MemoryPages(); got != 65536 {
		t.Errorf("MemoryPages(4GiB) = %d, want 65536", got)
	}
	l.Memory = 300e6
	if got := l.MemoryPages(); got != 4577 {
		t.Errorf("MemoryPages(300MB) = %d, want 4577 (rounded down)", got)
	}
	for _, tt := range []struct {
		f   func(*Limits)
		msg string
	}{
		{func(l *Limits) { l.Processes = 0 }, "limits.processes: must be between 1 and 1000000, got 0"},
		{func(l *Limits) { l.Memory = 8 << 20 }, "limits.memory: must be between 16MiB and 4GiB, got 8MiB"},
		{func(l *Limits) { l.MemorySoft = l.Memory }, "limits.memory_soft: must be below memory"},
		{func(l *Limits) { l.CPUTotal = -1 }, "limits.cpu_total: must be 0 (unlimited) or"},
		{func(l *Limits) { l.CPURate = 1e12 + 1 }, "limits.cpu_rate: must be 0 (unlimited) or"},
		{func(l *Limits) { l.Payload = abi.MaxPayload + 1 }, "limits.payload"},
	} {
		l := DefaultLimits()
		tt.f(&l)
		if err := l.Check(); err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Check: got %v, want %q", err, tt.msg)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  string
	}{
		{in: "0", want: 0},
		{in: "1B", want: 1},
		{in: "1KiB", want: 1024},
		{in: "1 MiB", want: 1 << 20},
		{in: "2GiB", want: 2 << 30},
		{in: "1TiB", want: 1 << 40},
		{in: "1KB", want: 1000},
		{in: "1.5MB", want: 1_500_000},
		{in: "3GB", want: 3e9},
		{in: "0.5KiB", want: 512},
		{in: "007MiB", want: 7 << 20},
		{in: "1.2B", err: "not a whole number of bytes"},
		{in: "1kib", err: "did you mean KiB?"},
		{in: "1 parsec", err: `unknown unit "parsec"`},
		{in: "", err: "is not a size"},
		{in: "MiB", err: "is not a size"},
		{in: "1e6", err: "is not a size"},
		{in: "1,5MiB", err: "is not a size"},
		{in: "1.MiB", err: "is not a size"},
		{in: ".5MiB", err: "is not a size"},
		{in: "1  MiB", err: "is not a size"},
		{in: "-1MiB", err: "must not be negative"},
		{in: "+1MiB", err: "is not a size"},
		{in: "9999999999TiB", err: "is too large"},
		{in: "9223372036854775807", want: 1<<63 - 1},
		{in: "9223372036854775808", err: "is too large"},
		{in: strings.Repeat("9", 25), err: "is not a size"},
	} {
		got, err := parseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseSize(%q) = %d, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseConfig checks ParseConfig never panics, always explains a refusal,
// and accepts only configs within bounds.
func FuzzParseConfig(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/tenant.y*ml")
	for _, path := range seeds {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"name: a\nlimits:\n  memory_soft: 0.5\n  memory: 16MiB\n",
		"name: a\nhosts: [app:x, &h app:y]\nlimits: &l {mailbox: *l}\n",
		"a: &a\n  b: *a\n",
		"&r {name: a, limits: *r}",
		"name: a\npolicy: lib/../policy.csv\n",
		"name: a\nlimits: {payload: 1.5KiB, cpu_total: 0, memory_soft: '12.5%'}\n",
		"name: a\n---\n",
		"\xff",
	} {
		f.Add([]byte(s))
	}
	root := mustAbs(f, goodDir)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("tenant.yaml", data, goodDir)
		if err != nil {
			if cfg != nil {
				t.Fatalf("a config and an error: %+v, %v", cfg, err)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error without problems: %#v", err)
			}
			lines := lineCount(data)
			for _, p := range ce.Problems {
				if p.Msg == "" || p.Line < 0 || p.Line > lines || p.Column < 0 {
					t.Fatalf("bad problem %+v (file of %d lines)", p, lines)
				}
			}
			_ = ce.Error()
			return
		}
		if !nameRE.MatchString(cfg.Name) {
			t.Fatalf("accepted name %q", cfg.Name)
		}
		if len(cfg.Hosts) == 0 || len(cfg.Hosts) > maxHosts {
			t.Fatalf("accepted hosts %q", cfg.Hosts)
		}
		seen := map[string]bool{}
		for _, h := range cfg.Hosts {
			if checkHostID(h) != nil || seen[h] || strings.ContainsAny(h, "{}|") {
				t.Fatalf("accepted hosts %q", cfg.Hosts)
			}
			seen[h] = true
		}
		if cfg.Isolation != Sandbox && cfg.Isolation != Native {
			t.Fatalf("accepted isolation %q", cfg.Isolation)
		}
		if cfg.Policy != "" {
			if rel, err := filepath.Rel(root, cfg.Policy); err != nil || !filepath.IsLocal(rel) {
				t.Fatalf("accepted policy %q outside %s", cfg.Policy, root)
			}
			if st, err := os.Stat(cfg.Policy); err != nil || !st.Mode().IsRegular() {
				t.Fatalf("accepted policy %q: %v", cfg.Policy, err)
			}
		}
		l := cfg.Limits
		if err := l.Check(); err != nil {
			t.Fatalf("accepted limits out of bounds: %v", err)
		}
		// The same bounds, written out independently of limitSpecs.
		if l.Memory < 16<<20 || l.Memory > 4<<30 || l.MemorySoft < 4<<20 || l.MemorySoft >= l.Memory ||
			l.Payload < 1<<10 || l.Payload > abi.MaxPayload || l.Processes < 1 || l.SpawnsPerSecond < 1 ||
			l.Mailbox < 1 || l.Names < 1 || l.Links < 1 || l.CallDepth < 1 || l.CPUTurn < 10_000 || l.CPUTotal < 0 ||
			l.CPURate < 0 || l.CPURate > 0 && l.CPURate < 100_000 {
			t.Fatalf("accepted limits out of bounds: %+v", l)
		}
	})
}
