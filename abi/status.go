package abi

// Status is the result code of an ABI call. Every non-OK status maps 1:1 to an
// error kind of the Lua `errors` module (errors.INVALID, errors.NOT_FOUND, ...).
type Status uint32

const (
	OK Status = iota
	Invalid
	NotFound
	PermissionDenied
	AlreadyExists
	Unavailable
	Internal
	Canceled
	Timeout
	RateLimited
	Unknown
	// Conflict is the kind Wippy has beside the seed's ten (the state of a
	// resource conflicts with the call); nothing in the runtime returns it,
	// programs make it with errors.new.
	Conflict
)

// Yield is not an error: the tick import returns it to say "end this turn
// now, other instances are waiting for the shard". The process goes on at
// its next turn.
const Yield Status = 0xFFFF

var statusKinds = [...]string{
	OK:               "OK",
	Invalid:          "INVALID",
	NotFound:         "NOT_FOUND",
	PermissionDenied: "PERMISSION_DENIED",
	AlreadyExists:    "ALREADY_EXISTS",
	Unavailable:      "UNAVAILABLE",
	Internal:         "INTERNAL",
	Canceled:         "CANCELED",
	Timeout:          "TIMEOUT",
	RateLimited:      "RATE_LIMITED",
	Unknown:          "UNKNOWN",
	Conflict:         "CONFLICT",
}

// Kind returns the Lua error kind of s ("INVALID", "NOT_FOUND", ...). A status
// outside the table is "UNKNOWN": a guest may be older or newer than the host.
func (s Status) Kind() string {
	if s < Status(len(statusKinds)) { // not int(s): negative where int is 32 bits
		return statusKinds[s]
	}
	return statusKinds[Unknown]
}

func (s Status) String() string { return s.Kind() }

// Kinds lists every error kind in status order, OK excluded.
func Kinds() []string { return append([]string(nil), statusKinds[1:]...) }

// StatusOf returns the status of an error kind name, and false for a name that
// is not a kind.
func StatusOf(kind string) (Status, bool) {
	for i, k := range statusKinds {
		if k == kind {
			return Status(i), true
		}
	}
	return Unknown, false
}

// Pack combines a status and a byte count into an import's i64 result.
func Pack(s Status, n uint32) uint64 { return uint64(s)<<32 | uint64(n) }

// Unpack splits an import's i64 result into status and byte count.
func Unpack(r uint64) (Status, uint32) { return Status(r >> 32), uint32(r) }
