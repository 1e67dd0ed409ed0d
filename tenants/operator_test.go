package tenants

import (
	"strings"
	"testing"
)

func TestOperator(t *testing.T) {
	tests := []struct {
		name     string
		yaml     string
		op       Operator
		problems []string // substrings of the error, in order; none: accepted
		check    func(t *testing.T, l Limits)
	}{
		{name: "defaults fill what the tenant leaves out",
			yaml: "name: a\nlimits:\n  mailbox: 50\n",
			op:   Operator{Defaults: Limits{Mailbox: 10, Processes: 20, Memory: 64 << 20}},
			check: func(t *testing.T, l Limits) {
				if l.Mailbox != 50 || l.Processes != 20 || l.Memory != 64<<20 || l.MemorySoft != 48<<20 || l.Names != DefaultLimits().Names {
					t.Errorf("limits %+v", l)
				}
			}},
		{name: "the operator's soft limit is kept when below memory",
			yaml: "name: a\n",
			op:   Operator{Defaults: Limits{Memory: 64 << 20, MemorySoft: 32 << 20}},
			check: func(t *testing.T, l Limits) {
				if l.MemorySoft != 32<<20 {
					t.Errorf("memory_soft %d", l.MemorySoft)
				}
			}},
		{name: "a tenant asking for more than a ceiling is refused at its line",
			yaml:     "name: a\nlimits:\n  processes: 5000\n  memory: 2GiB\n",
			op:       Operator{Ceilings: Limits{Processes: 1000, Memory: 1 << 30}},
			problems: []string{"tenant.yaml:3: limits.processes: asks for 5000; the operator allows at most 1000", "tenant.yaml:4: limits.memory: asks for 2GiB; the operator allows at most 1GiB"}},
		{name: "unlimited cpu_total is over a cpu_total ceiling",
			yaml:     "name: a\nlimits:\n  cpu_total: 0\n",
			op:       Operator{Ceilings: Limits{CPUTotal: 1_000_000}},
			problems: []string{"tenant.yaml:3: limits.cpu_total: asks for 0 (unlimited); the operator allows at most 1000000"}},
		{name: "a built-in default over a ceiling is held to it",
			yaml: "name: a\n",
			op:   Operator{Ceilings: Limits{Mailbox: 100, CPUTotal: 1_000_000}},
			check: func(t *testing.T, l Limits) {
				if l.Mailbox != 100 || l.CPUTotal != 1_000_000 {
					t.Errorf("limits %+v", l)
				}
			}},
		{name: "the operator's own default over its ceiling is its mistake, said so",
			yaml:     "name: a\n",
			op:       Operator{Defaults: Limits{Mailbox: 1000}, Ceilings: Limits{Mailbox: 100}},
			problems: []string{"limits.mailbox: defaults to 1000 (the operator's default is above the ceiling)"}},
		{name: "native refused unless allowed",
			yaml:     "name: a\nisolation: native\n",
			problems: []string{"tenant.yaml:2: isolation: native isolation (no sandbox) is not allowed"}},
		{name: "native allowed",
			yaml: "name: a\nisolation: native\n",
			op:   Operator{AllowNative: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseConfig("tenant.yaml", []byte(tt.yaml), goodDir)
			if err != nil {
				t.Fatal(err)
			}
			before := cfg.Limits
			err = tt.op.Apply(cfg)
			if len(tt.problems) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if tt.check != nil {
					tt.check(t, cfg.Limits)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", cfg.Limits)
			}
			msg := err.Error()
			for _, p := range tt.problems {
				i := strings.Index(msg, p)
				if i < 0 {
					t.Fatalf("error lacks %q:\n%s", p, msg)
				}
				msg = msg[i+len(p):]
			}
			if cfg.Limits != before {
				t.Errorf("a refused config was changed")
			}
		})
	}
}
