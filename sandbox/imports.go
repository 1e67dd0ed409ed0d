package sandbox

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/moonbox-runtime/moonbox/abi"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The host side of abi's imports. Every function reads the guest's memory
// through bounds-checked views, refuses lengths above the abi limits before
// reading, and copies what it keeps. A wild pointer is an INVALID error for
// the calling process, never a host panic.

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

func instantiateImports(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(abi.Module)
	fn := func(name string, f api.GoModuleFunc, params, results []api.ValueType) {
		b.NewFunctionBuilder().WithGoModuleFunction(f, params, results).Export(name)
	}
	fn(abi.ImportSpawn, importSpawn, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportSend, importSend, []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportExit, importExit, []api.ValueType{i32, i32, i32, i32}, nil)
	fn(abi.ImportControl, importControl, []api.ValueType{i32, i32, i32, i32, i64, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportRegistry, importRegistry, []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportSecurity, importSecurity, []api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportSource, importSource, []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i64})
	fn(abi.ImportTick, importTick, []api.ValueType{i32, i32}, []api.ValueType{i32})
	fn(abi.ImportLog, importLog, []api.ValueType{i32, i32, i32}, nil)
	fn(abi.ImportTimer, importTimer, []api.ValueType{i32, i32, i64}, nil)
	fn(abi.ImportConsumed, importConsumed, []api.ValueType{i32, i32}, nil)
	_, err := b.Instantiate(ctx)
	return err
}

// u32 reads an i32 parameter. wazero leaves the upper half of an i32 stack
// slot undefined, so every i32 must be masked before use.
func u32(v uint64) uint64 { return uint64(api.DecodeU32(v)) }

func hostOf(ctx context.Context) abi.Host {
	in, _ := ctx.Value(instanceKey{}).(*Instance)
	if in == nil {
		return nil
	}
	return in.host
}

var (
	errPointer = abi.Errorf(abi.Invalid, "argument out of bounds of guest memory")
	errTooLong = abi.Errorf(abi.Invalid, "argument too long")
	errNoHost  = abi.Errorf(abi.Internal, "import called outside a step")
)

// view returns guest memory [ptr, ptr+n) without copying, or an error.
func view(m api.Module, ptr, n, max uint64) ([]byte, *abi.Error) {
	ptr, n = u32(ptr), u32(n)
	if n > max {
		return nil, errTooLong
	}
	if n == 0 {
		return nil, nil
	}
	b, ok := m.Memory().Read(uint32(ptr), uint32(n))
	if !ok {
		return nil, errPointer
	}
	return b, nil
}

func str(m api.Module, ptr, n, max uint64) (string, *abi.Error) {
	b, err := view(m, ptr, n, max)
	return string(b), err
}

// reply writes a result or error message to the guest's out buffer and
// packs the import result. A result longer than the buffer is not written;
// the length tells the guest how much to ask for.
func reply(m api.Module, outPtr, outCap uint64, result string, err *abi.Error) uint64 {
	outPtr, outCap = u32(outPtr), u32(outCap)
	status, data := abi.OK, result
	if err != nil {
		status, data = err.Status, err.Message
		if uint64(len(data)) > outCap {
			data = data[:outCap]
		}
	}
	if uint64(len(data)) > outCap {
		return abi.Pack(status, uint32(len(data)))
	}
	if len(data) > 0 && !m.Memory().WriteString(uint32(outPtr), data) {
		return abi.Pack(abi.Invalid, 0)
	}
	return abi.Pack(status, uint32(len(data)))
}

func importSpawn(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[3], s[4], "", errNoHost)
		return
	}
	req, err := view(m, s[1], s[2], abi.MaxPayload)
	var pid string
	if err == nil {
		pid, err = h.Spawn(api.DecodeU32(s[0]), append([]byte(nil), req...))
	}
	s[0] = reply(m, s[3], s[4], pid, err)
}

func importSend(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[7], s[8], "", errNoHost)
		return
	}
	dest, err := str(m, s[1], s[2], abi.MaxName)
	var topic string
	var payload []byte
	if err == nil {
		topic, err = str(m, s[3], s[4], abi.MaxTopic)
	}
	if err == nil {
		payload, err = view(m, s[5], s[6], abi.MaxPayload)
	}
	var result string
	if err == nil {
		var local uint32
		if local, err = h.Send(api.DecodeU32(s[0]), dest, topic, payload); local != 0 && err == nil {
			result = string(binary.LittleEndian.AppendUint32(nil, local))
		}
	}
	s[0] = reply(m, s[7], s[8], result, err)
}

func importExit(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		return
	}
	abnormal := api.DecodeU32(s[1]) != 0
	value, err := view(m, s[2], s[3], abi.MaxPayload)
	switch {
	case err == errTooLong:
		msg := fmt.Sprintf("exit value of %d bytes is larger than the limit of %d bytes", u32(s[3]), abi.MaxPayload)
		value, abnormal = abi.AppendError(nil, abi.Invalid.Kind(), msg), true
	case err != nil:
		value, abnormal = abi.AppendError(nil, abi.Invalid.Kind(), "exit value out of bounds of guest memory"), true
	}
	h.Exit(api.DecodeU32(s[0]), abnormal, value)
}

func importControl(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[5], s[6], "", errNoHost)
		return
	}
	dest, err := str(m, s[2], s[3], abi.MaxName)
	var result string
	if err == nil {
		result, err = h.Control(api.DecodeU32(s[0]), abi.ControlOp(api.DecodeU32(s[1])), dest, int64(s[4]))
	}
	s[0] = reply(m, s[5], s[6], result, err)
}

func importRegistry(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[6], s[7], "", errNoHost)
		return
	}
	name, err := str(m, s[2], s[3], abi.MaxName)
	var pid, result string
	if err == nil {
		pid, err = str(m, s[4], s[5], abi.MaxName)
	}
	if err == nil {
		result, err = h.Registry(api.DecodeU32(s[0]), abi.RegistryOp(api.DecodeU32(s[1])), name, pid)
	}
	s[0] = reply(m, s[6], s[7], result, err)
}

func importSecurity(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[6], s[7], "", errNoHost)
		return
	}
	action, err := str(m, s[2], s[3], abi.MaxName)
	var resource, result string
	if err == nil {
		resource, err = str(m, s[4], s[5], abi.MaxName)
	}
	if err == nil {
		result, err = h.Security(api.DecodeU32(s[0]), abi.SecurityOp(api.DecodeU32(s[1])), action, resource)
	}
	s[0] = reply(m, s[6], s[7], result, err)
}

func importSource(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = reply(m, s[3], s[4], "", errNoHost)
		return
	}
	id, err := str(m, s[1], s[2], abi.MaxName)
	var text string
	if err == nil {
		text, err = h.Source(api.DecodeU32(s[0]), id)
	}
	s[0] = reply(m, s[3], s[4], text, err)
}

func importTick(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		s[0] = uint64(abi.Internal)
		return
	}
	s[0] = uint64(h.Tick(api.DecodeU32(s[0]), api.DecodeU32(s[1])))
}

// maxLogLine bounds one print line; longer output is cut, not refused.
const maxLogLine = 64 << 10

func importLog(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		return
	}
	n := u32(s[2])
	if n > maxLogLine {
		n = maxLogLine
	}
	line, err := str(m, s[1], n, maxLogLine)
	if err != nil {
		return
	}
	h.Log(api.DecodeU32(s[0]), line)
}

func importTimer(ctx context.Context, m api.Module, s []uint64) {
	if h := hostOf(ctx); h != nil {
		h.Timer(api.DecodeU32(s[0]), api.DecodeU32(s[1]), int64(s[2]))
	}
}

// maxConsumed bounds one consumed report: 64k processes' counts.
const maxConsumed = 8 << 16

func importConsumed(ctx context.Context, m api.Module, s []uint64) {
	h := hostOf(ctx)
	if h == nil {
		return
	}
	b, err := view(m, s[0], s[1], maxConsumed)
	if err != nil {
		return
	}
	counts := make([]abi.Consumption, 0, len(b)/8)
	for ; len(b) >= 8; b = b[8:] {
		counts = append(counts, abi.Consumption{Process: binary.LittleEndian.Uint32(b), Count: binary.LittleEndian.Uint32(b[4:])})
	}
	h.Consumed(counts)
}
