package abi_test

import (
	"math"
	"testing"

	"github.com/moonbox-runtime/moonbox/abi"
)

func TestStatusKind(t *testing.T) {
	tests := []struct {
		status abi.Status
		code   uint32
		kind   string
	}{
		{abi.OK, 0, "OK"},
		{abi.Invalid, 1, "INVALID"},
		{abi.NotFound, 2, "NOT_FOUND"},
		{abi.PermissionDenied, 3, "PERMISSION_DENIED"},
		{abi.AlreadyExists, 4, "ALREADY_EXISTS"},
		{abi.Unavailable, 5, "UNAVAILABLE"},
		{abi.Internal, 6, "INTERNAL"},
		{abi.Canceled, 7, "CANCELED"},
		{abi.Timeout, 8, "TIMEOUT"},
		{abi.RateLimited, 9, "RATE_LIMITED"},
		{abi.Unknown, 10, "UNKNOWN"},
		{abi.Conflict, 11, "CONFLICT"},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			if uint32(tt.status) != tt.code {
				t.Errorf("code = %d, want %d (codes are part of the ABI)", uint32(tt.status), tt.code)
			}
			if got := tt.status.Kind(); got != tt.kind {
				t.Errorf("Kind() = %q, want %q", got, tt.kind)
			}
			if got := tt.status.String(); got != tt.kind {
				t.Errorf("String() = %q, want %q", got, tt.kind)
			}
			got, ok := abi.StatusOf(tt.kind)
			if !ok || got != tt.status {
				t.Errorf("StatusOf(%q) = %v, %v; want %v, true", tt.kind, got, ok, tt.status)
			}
		})
	}
}

func TestStatusOutsideTable(t *testing.T) {
	// A guest may be newer than the host: a code past the table is UNKNOWN,
	// never a panic (also where int is 32 bits and the code is above MaxInt32).
	for _, s := range []abi.Status{12, 13, 1000, math.MaxInt32, math.MaxInt32 + 1, math.MaxUint32} {
		if got := s.Kind(); got != "UNKNOWN" {
			t.Errorf("Status(%d).Kind() = %q, want UNKNOWN", uint32(s), got)
		}
	}
}

func TestStatusOfUnknownKind(t *testing.T) {
	for _, kind := range []string{"", "ok", "not_found", "NOTFOUND", "INVALID ", "ERROR"} {
		if s, ok := abi.StatusOf(kind); ok || s != abi.Unknown {
			t.Errorf("StatusOf(%q) = %v, %v; want UNKNOWN, false", kind, s, ok)
		}
	}
}

func TestKinds(t *testing.T) {
	kinds := abi.Kinds()
	want := []string{"INVALID", "NOT_FOUND", "PERMISSION_DENIED", "ALREADY_EXISTS", "UNAVAILABLE",
		"INTERNAL", "CANCELED", "TIMEOUT", "RATE_LIMITED", "UNKNOWN", "CONFLICT"}
	if len(kinds) != len(want) {
		t.Fatalf("Kinds() = %q, want %q", kinds, want)
	}
	for i, k := range kinds {
		if k != want[i] {
			t.Errorf("Kinds()[%d] = %q, want %q", i, k, want[i])
		}
		if s, ok := abi.StatusOf(k); !ok || s != abi.Status(i+1) {
			t.Errorf("StatusOf(%q) = %v, %v; want %d, true", k, s, ok, i+1)
		}
	}
	kinds[0] = "CHANGED"
	if abi.Kinds()[0] != "INVALID" {
		t.Error("Kinds returns the package's own slice: a caller can change the table")
	}
}

func TestPackUnpack(t *testing.T) {
	tests := []struct {
		status abi.Status
		n      uint32
		packed uint64
	}{
		{abi.OK, 0, 0},
		{abi.OK, 42, 42},
		{abi.OK, math.MaxUint32, 0x0000_0000_ffff_ffff},
		{abi.Invalid, 0, 0x0000_0001_0000_0000},
		{abi.NotFound, 17, 0x0000_0002_0000_0011},
		{abi.Unknown, math.MaxUint32, 0x0000_000a_ffff_ffff},
		{math.MaxUint32, math.MaxUint32, math.MaxUint64},
	}
	for _, tt := range tests {
		if got := abi.Pack(tt.status, tt.n); got != tt.packed {
			t.Errorf("Pack(%d, %d) = %#x, want %#x", uint32(tt.status), tt.n, got, tt.packed)
		}
		s, n := abi.Unpack(tt.packed)
		if s != tt.status || n != tt.n {
			t.Errorf("Unpack(%#x) = %d, %d; want %d, %d", tt.packed, uint32(s), n, uint32(tt.status), tt.n)
		}
	}
}
