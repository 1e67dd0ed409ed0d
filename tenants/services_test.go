package tenants

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestServices(t *testing.T) {
	cfg, err := ParseConfig("tenant.yaml", []byte(`name: acme
services:
  - name: api
    source: app:api
    args: [eu-west, 3, 1.5, true]
    restart: permanent
  - name: cache          # source defaults to the name
  - {name: job, source: jobs, restart: temporary}
`), goodDir)
	if err != nil {
		t.Fatal(err)
	}
	want := []Service{
		{Name: "api", Source: "app:api", Args: []any{"eu-west", int64(3), 1.5, true}, Restart: Permanent},
		{Name: "cache", Source: "cache", Restart: Transient},
		{Name: "job", Source: "jobs", Restart: Temporary},
	}
	if !reflect.DeepEqual(cfg.Services, want) {
		t.Errorf("got  %#v\nwant %#v", cfg.Services, want)
	}
	if cfg.Lines["services"] != 2 {
		t.Errorf("the line of services: %d", cfg.Lines["services"])
	}
}

func TestServicesProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // file:line: field: message fragments, in order
	}{
		{"not a list", "services: api\n", []string{`:2:11: services: must be a list of services`}},
		{"no value", "services:\n", []string{`:2:10: services: has no value`}},
		{"not a mapping", "services: [api]\n", []string{`:2:12: services[0]: must be a mapping`}},
		{"no name", "services: [{source: app:api}]\n", []string{`:2:12: services[0].name: required`}},
		{"typo", "services:\n  - name: api\n    restrat: permanent\n", []string{`:4:5: services[0].restrat: unknown key (did you mean restart?)`}},
		{"top-level key in a service", "services:\n  - name: api\n    limits: {}\n", []string{`services[0].limits: unknown key here: limits belongs at the top level`}},
		{"bad restart", "services: [{name: api, restart: always}]\n", []string{`services[0].restart: must be permanent, transient or temporary, got "always"`}},
		{"duplicate", "services:\n  - name: api\n  - name: api\n", []string{`:4:11: services[1].name: a second service named api (first at line 3)`}},
		{"bad source", "services: [{name: api, source: ../x}]\n", []string{`services[0].source: source ID "../x"`}},
		{"name not a source", "services: [{name: 'a.b'}]\n", []string{`services[0].source: required: the name a.b is not a source ID`}},
		{"bad name", "services: [{name: 'a b', source: x}]\n", []string{`services[0].name: "a b" is not a process name`}},
		{"name a number", "services: [{name: 42}]\n", []string{`services[0].name: must be a string, got the number 42 (quote it: "42")`}},
		{"args not a list", "services: [{name: api, args: x}]\n", []string{`services[0].args: must be a list`}},
		{"args nested", "services: [{name: api, args: [[1]]}]\n", []string{`services[0].args[0]: must be a string, a number or a boolean, got a list`}},
		{"args huge int", "services: [{name: api, args: [99999999999999999999]}]\n", []string{`services[0].args[0]: must be a string, a number that fits in 64 bits`}},
		{"every problem", "services:\n  - name: api\n    restart: never\n  - source: x\n", []string{`:4:14: services[0].restart`, `:5:5: services[1].name: required`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig("tenant.yaml", []byte("name: acme\n"+tt.yaml), goodDir)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("problem %d: %q, want it to contain %q", i, lines[i], w)
				}
			}
		})
	}
}
