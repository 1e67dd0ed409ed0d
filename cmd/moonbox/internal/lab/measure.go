package lab

import (
	"math"
	"sort"
)

// How samples become figures: medians of repeated runs, nearest-rank
// percentiles of latencies, figures rounded for the JSON output.

// repeats is how many times a workload's measured run is repeated (its
// figure is their median).
const repeats = 5

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// percentile is the nearest-rank percentile of xs (p in 0..1).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return sortedPercentile(s, p)
}

// sortedPercentile is percentile of xs already sorted.
func sortedPercentile(xs []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(xs)))) - 1
	return xs[max(0, min(i, len(xs)-1))]
}

// reps runs fn n times and returns the median of each figure it returns.
func reps(n int, fn func() (map[string]float64, error)) (map[string]float64, error) {
	runs := map[string][]float64{}
	for range n {
		fig, err := fn()
		if err != nil {
			return nil, err
		}
		for k, v := range fig {
			runs[k] = append(runs[k], v)
		}
	}
	out := map[string]float64{}
	for k, vs := range runs {
		out[k] = median(vs)
	}
	return out, nil
}

// roundSig keeps sig significant digits.
func roundSig(v float64, sig int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(sig-1)-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
