package tenants

import (
	"fmt"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Restart says when a service's process is started again after it exits,
// as OTP's child restart types do.
type Restart string

const (
	// Permanent services are restarted whenever they exit.
	Permanent Restart = "permanent"
	// Transient services are restarted when they exit abnormally (the default).
	Transient Restart = "transient"
	// Temporary services are never restarted.
	Temporary Restart = "temporary"
)

// Service is a process the runtime starts when the tenant is deployed,
// registers under its name, and restarts under its restart policy
// (tenant.yaml's services:).
type Service struct {
	// Name is registered for the process: how other processes, and the
	// server's ingress, reach it. Unique in the tenant.
	Name string
	// Source is the source ID it runs (default: Name).
	Source string
	// Args are main's arguments: strings, int64s, float64s and bools.
	Args []any
	// Restart is when it is started again.
	Restart Restart
}

// maxServices bounds the services of a tenant.
const maxServices = 64

var (
	serviceKeys   = []string{"name", "source", "args", "restart"}
	serviceNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$`)
)

// services reads the services: list.
func (p *parser) services(n *yaml.Node) []Service {
	n = deref(n)
	switch {
	case isNull(n):
		p.add(n, "services", "has no value (leave the key out for no services)")
		return nil
	case n.Kind != yaml.SequenceNode:
		p.add(n, "services", "must be a list of services, such as [{name: api, source: app:api}], got %s", describe(n))
		return nil
	case len(n.Content) > maxServices:
		p.add(n, "services", "lists %d services, more than %d", len(n.Content), maxServices)
		return nil
	}
	var out []Service
	seen := map[string]*yaml.Node{}
	for i, item := range n.Content {
		field := fmt.Sprintf("services[%d]", i)
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			p.add(item, field, "must be a mapping with name, source, args and restart, got %s", describe(item))
			continue
		}
		fields := p.fields(item, field+".", serviceKeys, topKeys, "at the top level, not in a service")
		s := Service{Restart: Transient}
		ok := true
		if f, has := fields["name"]; has {
			if name, good := p.str(f.val, field+".name", true); good {
				switch {
				case !serviceNameRE.MatchString(name):
					p.add(deref(f.val), field+".name", "%q is not a process name: 1 to 128 of letters, digits, _ . : and -", short(name))
					ok = false
				case seen[name] != nil:
					p.add(deref(f.val), field+".name", "a second service named %s (first at line %d)", name, seen[name].Line)
					ok = false
				default:
					seen[name] = deref(f.val)
					s.Name = name
				}
			} else {
				ok = false
			}
		} else {
			p.add(item, field+".name", "required: the name the service is registered under, such as `name: api`")
			ok = false
		}
		s.Source = s.Name
		if f, has := fields["source"]; has {
			if src, good := p.str(f.val, field+".source", true); good {
				if _, err := SourcePath(src); err != nil {
					p.add(deref(f.val), field+".source", "%v", err)
					ok = false
				} else {
					s.Source = src
				}
			} else {
				ok = false
			}
		} else if s.Name != "" {
			if _, err := SourcePath(s.Name); err != nil {
				p.add(item, field+".source", "required: the name %s is not a source ID, so say which source runs (source: app:api)", s.Name)
				ok = false
			}
		}
		if f, has := fields["args"]; has {
			args, good := p.args(f.val, field+".args")
			s.Args, ok = args, ok && good
		}
		if f, has := fields["restart"]; has {
			if r, good := p.str(f.val, field+".restart", false); good {
				switch Restart(r) {
				case Permanent, Transient, Temporary:
					s.Restart = Restart(r)
				default:
					p.add(deref(f.val), field+".restart", "must be permanent, transient or temporary, got %q", short(r))
					ok = false
				}
			} else {
				ok = false
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// maxArgs bounds a service's arguments.
const maxArgs = 32

// args reads a list of scalar arguments.
func (p *parser) args(n *yaml.Node, field string) ([]any, bool) {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		p.add(n, field, "must be a list of strings, numbers or booleans, got %s", describe(n))
		return nil, false
	}
	if len(n.Content) > maxArgs {
		p.add(n, field, "lists %d arguments, more than %d", len(n.Content), maxArgs)
		return nil, false
	}
	out := []any{}
	ok := true
	for i, a := range n.Content {
		a = deref(a)
		f := fmt.Sprintf("%s[%d]", field, i)
		if a.Kind != yaml.ScalarNode || isNull(a) {
			p.add(a, f, "must be a string, a number or a boolean, got %s", describe(a))
			ok = false
			continue
		}
		v, err := scalar(a)
		if err != nil {
			p.add(a, f, "%v", err)
			ok = false
			continue
		}
		out = append(out, v)
	}
	return out, ok
}

// scalar is a YAML scalar as a Go value: a string, int64, float64 or bool.
func scalar(a *yaml.Node) (any, error) {
	var err error
	switch a.ShortTag() {
	case "!!str":
		if len(a.Value) > 4096 {
			return nil, fmt.Errorf("a string longer than 4096 bytes")
		}
		return a.Value, nil
	case "!!int":
		var x int64
		if err = a.Decode(&x); err == nil {
			return x, nil
		}
	case "!!float":
		var x float64
		if digitsRE.MatchString(a.Value) { // an integer past 64 bits, which YAML reads as a float
			break
		}
		if err = a.Decode(&x); err == nil {
			return x, nil
		}
	case "!!bool":
		var x bool
		if err = a.Decode(&x); err == nil {
			return x, nil
		}
	}
	return nil, fmt.Errorf("must be a string, a number that fits in 64 bits or a boolean, got %s", describe(a))
}
