package lab

import "encoding/json"

// metric is one figure of one workload in one mode.
type metric struct {
	Key   string // JSON key; also matches sandbox and native rows
	Label string // row label in the table
	Unit  string
	Value float64
}

// result is what one workload measured in one mode.
type result struct {
	Workload string
	Mode     string // sandbox, native, or a baseline's (gopher-lua)
	Shards   int
	Metrics  []metric
	Info     map[string]any // sizes, placements: the JSON output carries them
	Err      string         // why the workload failed in this mode
}

func (r *result) add(key, label, unit string, v float64) {
	r.Metrics = append(r.Metrics, metric{Key: key, Label: label, Unit: unit, Value: v})
}

func (r *result) get(key string) (float64, bool) {
	for _, m := range r.Metrics {
		if m.Key == key {
			return m.Value, true
		}
	}
	return 0, false
}

func (r *result) info(key string, v any) {
	if r.Info == nil {
		r.Info = map[string]any{}
	}
	r.Info[key] = v
}

func (r *result) MarshalJSON() ([]byte, error) {
	metrics := map[string]float64{}
	units := map[string]string{}
	for _, m := range r.Metrics {
		metrics[m.Key] = roundSig(m.Value, 4)
		units[m.Key] = m.Unit
	}
	return json.Marshal(struct {
		Workload string             `json:"workload"`
		Mode     string             `json:"mode"`
		Shards   int                `json:"shards,omitempty"`
		Metrics  map[string]float64 `json:"metrics"`
		Units    map[string]string  `json:"units"`
		Info     map[string]any     `json:"info,omitempty"`
		Error    string             `json:"error,omitempty"`
	}{r.Workload, r.Mode, r.Shards, metrics, units, r.Info, r.Err})
}

// latencies is the result of n timed calls: p50, p99 and mean in µs.
func latencies(label string, fig map[string]float64, n int) *result {
	r := &result{}
	r.add("p50_us", label+", p50", "µs", fig["p50"])
	r.add("p99_us", "  p99", "µs", fig["p99"])
	r.add("mean_us", "  mean", "µs", fig["mean"])
	r.info("calls", n)
	return r
}
