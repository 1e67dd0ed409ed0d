package tenants

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/moonbox-runtime/moonbox/abi"
	"gopkg.in/yaml.v3"
)

// A tenant's limits: the quotas, their defaults and bounds, and how
// tenant.yaml's limits: are read (sizes with units, counts, memory_soft).

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
	TenantMemory    int64 // linear memory across the tenant's instances (one a shard), bytes
	MemorySoft      int64 // guest heap past which the running process is ended, bytes
	MemoryRun       int64 // bytes a process may grow the guest heap by without waiting, 0 = unlimited
	CPUTurn         int64 // Lua instructions per turn before yielding
	CPUTotal        int64 // Lua instructions per process, 0 = unlimited
	CPURun          int64 // Lua instructions a process may run without waiting, 0 = unlimited
	CPURate         int64 // Lua instructions per second over the tenant's processes, 0 = unlimited
	CPUWeight       int64 // the tenant's weight in sharing the processors with other tenants, 0 = the default 100
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
		TenantMemory:    1 << 30,
		MemorySoft:      768 << 20, // 75% of Memory
		MemoryRun:       32 << 20,  // a memory bomb ends in ~1 s in the sandbox (~50 MB/s of small tables)
		CPUTurn:         20_000,
		CPUTotal:        0,
		CPURun:          200_000_000, // ~20 s of a sandbox's CPU, ~2-4 s natively
		CPURate:         0,
		CPUWeight:       100,
	}
}

// wasmPage is the size of a wasm linear memory page.
const wasmPage = 64 << 10

// MemoryPages is Memory in whole 64 KiB wasm pages (rounded down), the unit
// the sandbox caps linear memory in.
func (l Limits) MemoryPages() uint32 { return uint32(l.Memory / wasmPage) }

// InstancePages is the linear memory cap of each of a tenant's instances when
// it has one on each of shards shards: Memory, or TenantMemory shared evenly
// when that is less, and never under 16 MiB (the least an instance runs in).
// A tenant's memory is so bounded however many shards the host runs; its
// instances cannot lend each other what one leaves unused.
func (l Limits) InstancePages(shards int) uint32 {
	per := l.Memory
	if l.TenantMemory > 0 && shards > 0 {
		per = min(per, l.TenantMemory/int64(shards))
	}
	return uint32(max(per, 16<<20) / wasmPage)
}

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
	{key: "tenant_memory", kind: sizeLimit, min: 16 << 20, max: 1 << 40,
		get: func(l *Limits) int64 { return l.TenantMemory }, set: func(l *Limits, v int64) { l.TenantMemory = v }},
	{key: "memory_soft", kind: softLimit, min: 4 << 20, max: 4<<30 - wasmPage,
		get: func(l *Limits) int64 { return l.MemorySoft }, set: func(l *Limits, v int64) { l.MemorySoft = v }},
	{key: "memory_run", kind: sizeLimit, min: 1 << 20, max: 4 << 30, zeroOK: true,
		get: func(l *Limits) int64 { return l.MemoryRun }, set: func(l *Limits, v int64) { l.MemoryRun = v }},
	{key: "cpu_turn", kind: countLimit, min: 10_000, max: 10_000_000,
		get: func(l *Limits) int64 { return l.CPUTurn }, set: func(l *Limits, v int64) { l.CPUTurn = v }},
	{key: "cpu_total", kind: countLimit, min: 10_000, max: 1_000_000_000_000_000, zeroOK: true,
		get: func(l *Limits) int64 { return l.CPUTotal }, set: func(l *Limits, v int64) { l.CPUTotal = v }},
	{key: "cpu_run", kind: countLimit, min: 1_000_000, max: 1_000_000_000_000_000, zeroOK: true,
		get: func(l *Limits) int64 { return l.CPURun }, set: func(l *Limits, v int64) { l.CPURun = v }},
	{key: "cpu_weight", kind: countLimit, min: 1, max: 10_000, zeroOK: true,
		get: func(l *Limits) int64 { return l.CPUWeight }, set: func(l *Limits, v int64) { l.CPUWeight = v }},
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
