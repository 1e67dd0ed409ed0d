package vm

import "github.com/moonbox-runtime/moonbox/abi"

// Host is what the runtime needs from outside: the ABI imports (abi.Host,
// the contract both sides share).
type Host = abi.Host

// Consumption is the number of messages one process took from its mailbox.
type Consumption = abi.Consumption
