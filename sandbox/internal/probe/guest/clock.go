//go:build wasip1

package main

import "time"

var epoch = time.Now()

// now is monotonic nanoseconds.
func now() float64 { return float64(time.Since(epoch).Nanoseconds()) }
