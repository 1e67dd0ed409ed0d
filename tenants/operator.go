package tenants

import (
	"fmt"
	"strings"
)

// Operator is what the operator of a runtime decides over every tenant's
// own tenant.yaml (DESIGN.md decision 11: the operator decides, not the
// tenant): the limits of a tenant that sets none, the most a tenant may ask
// for, and whether a tenant may run without the sandbox.
type Operator struct {
	// Defaults are the limits of a tenant whose config leaves them out.
	// Zero fields take [DefaultLimits]'s.
	Defaults Limits
	// Ceilings are the most a tenant may set. Zero fields are not capped
	// beyond the bounds of tenant.yaml itself. For cpu_total and cpu_rate,
	// where a tenant's 0 means unlimited, a ceiling refuses 0 too.
	Ceilings Limits
	// AllowNative lets a tenant set `isolation: native` (no wasm sandbox:
	// its code runs in the host process). Off, such a config is refused.
	AllowNative bool
}

// Apply fills the limits cfg leaves out from the operator's defaults (a
// built-in default is held to the ceiling; an operator's own default above
// its ceiling is refused) and checks what cfg asks for against the ceilings and
// AllowNative. It reports every refusal as a *[ConfigError] naming the line of
// the key, and changes cfg only when there is none.
func (o Operator) Apply(cfg *Config) error {
	defaults := o.Defaults.orDefaults()
	limits := cfg.Limits
	for i := range limitSpecs {
		if s := &limitSpecs[i]; !cfg.sets(s.key) {
			v := s.get(&defaults)
			// Where the operator caps a limit without choosing its default,
			// the built-in default is held to the cap.
			if ceiling := s.get(&o.Ceilings); ceiling != 0 && s.get(&o.Defaults) == 0 && (v > ceiling || v == 0 && s.zeroOK) {
				v = ceiling
			}
			s.set(&limits, v)
		}
	}
	if !cfg.sets("memory_soft") && (o.Defaults.MemorySoft == 0 || limits.MemorySoft >= limits.Memory) {
		limits.MemorySoft = limits.Memory / 4 * 3 // as tenant.yaml's own default: 75% of memory
	}
	var problems []Problem
	for i := range limitSpecs {
		s := &limitSpecs[i]
		v, ceiling := s.get(&limits), s.get(&o.Ceilings)
		if ceiling == 0 || (v != 0 || !s.zeroOK) && v <= ceiling {
			continue
		}
		key := "limits." + s.key
		asked := "asks for " + s.format(v)
		if v == 0 && s.zeroOK {
			asked = "asks for 0 (unlimited)"
		}
		if !cfg.sets(s.key) {
			asked = "defaults to " + strings.TrimPrefix(asked, "asks for ") + " (the operator's default is above the ceiling)"
		}
		problems = append(problems, Problem{Line: cfg.Lines[key], Field: key,
			Msg: fmt.Sprintf("%s; the operator allows at most %s", asked, s.format(ceiling))})
	}
	if cfg.Isolation == Native && !o.AllowNative {
		problems = append(problems, Problem{Line: cfg.Lines["isolation"], Field: "isolation",
			Msg: "native isolation (no sandbox) is not allowed by the operator of this runtime"})
	}
	if len(problems) == 0 {
		if err := limits.Check(); err != nil {
			problems = append(problems, Problem{Field: "limits", Msg: err.Error()})
		}
	}
	if len(problems) > 0 {
		return &ConfigError{File: cfg.File, Problems: problems}
	}
	cfg.Limits = limits
	return nil
}

// orDefaults fills l's zero fields from [DefaultLimits].
func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	for i := range limitSpecs {
		s := &limitSpecs[i]
		if s.get(&l) == 0 && !s.zeroOK {
			s.set(&l, s.get(&d))
		}
	}
	return l
}

// sets reports whether the config file sets limits.key.
func (c *Config) sets(key string) bool {
	_, ok := c.Lines["limits."+key]
	return ok
}

// Check reports operator settings that contradict each other: a default
// above its own ceiling.
func (o Operator) Check() error {
	cfg := &Config{File: "operator config", Isolation: Sandbox}
	return o.Apply(cfg)
}
