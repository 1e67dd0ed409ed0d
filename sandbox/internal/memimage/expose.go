package memimage

import (
	"bytes"
	"fmt"
	"strconv"
)

// Section ids Expose rewrites, besides the memory section.
const (
	sectionGlobal = 6
	sectionExport = 7
)

// GlobalExport is the prefix of the names Expose exports globals under:
// global i is exported as GlobalExport + strconv.Itoa(i).
const GlobalExport = "memimage.global."

// Expose rewrites a module so that an initialised instance can be captured
// and restored. Between calls, a module's whole state is its linear memory
// and its globals (a Go guest keeps its stack pointer in one): the memory is
// readable from the host, the globals only if exported. Expose therefore
//
//   - exports every global the module defines, as GlobalExport+index (a
//     mutable exported global can be read and set through wazero's API), and
//   - raises the memory's minimum to at least minPages, so that an instance
//     whose initialisation stays within minPages never grows its memory: the
//     memory it ends with has the module's initial size, and a snapshot of it
//     can start another instance of the same compiled module.
//
// It returns the rewritten module and the number of globals exported. Like
// Split it never panics on malformed input; it refuses (ErrNotSplittable)
// modules that import globals (their values are not the module's to
// restore), import their memory, have no export section, already use the
// export names, or whose memory maximum is below minPages.
func Expose(wasm []byte, minPages uint32) (exposed []byte, globals int, err error) {
	exposed, globals, err = expose(wasm, minPages)
	if err != nil {
		return nil, 0, fmt.Errorf("memimage: %w", err)
	}
	return exposed, globals, nil
}

func expose(wasm []byte, minPages uint32) ([]byte, int, error) {
	if len(wasm) < len(wasmHeader) || !bytes.Equal(wasm[:len(wasmHeader)], wasmHeader) {
		return nil, 0, fmt.Errorf("%w: bad magic number or unsupported binary version", ErrMalformed)
	}
	sections, err := scanSections(wasm)
	if err != nil {
		return nil, 0, err
	}
	var memSec, exports *span
	globals := 0
	for i := range sections {
		s := &sections[i]
		body := wasm[s.body:s.end]
		switch s.id {
		case sectionImport:
			imported, err := checkImports(body)
			if err != nil {
				return nil, 0, err
			}
			if imported > 0 {
				return nil, 0, fmt.Errorf("%w: module imports %d globals", ErrNotSplittable, imported)
			}
		case sectionMemory:
			memSec = s
		case sectionGlobal:
			r := reader{b: body}
			n, err := r.u32()
			if err != nil {
				return nil, 0, fmt.Errorf("global section: %w", err)
			}
			// Each global takes bytes of its own: a count past them is a
			// lie (2^32-1 in a 60-byte module made exportGlobals append
			// four billion exports: 38 s a fuzz input).
			if int64(n) > int64(len(body)-r.pos) {
				return nil, 0, fmt.Errorf("%w: global section claims %d globals in %d bytes", ErrMalformed, n, len(body)-r.pos)
			}
			globals = int(n)
		case sectionExport:
			exports = s
		}
	}
	if memSec == nil {
		return nil, 0, fmt.Errorf("%w: no memory defined by the module", ErrNotSplittable)
	}
	if exports == nil {
		return nil, 0, fmt.Errorf("%w: no export section", ErrNotSplittable)
	}
	memBody, err := raiseMinimum(wasm[memSec.body:memSec.end], minPages)
	if err != nil {
		return nil, 0, err
	}
	exportBody, err := exportGlobals(wasm[exports.body:exports.end], globals)
	if err != nil {
		return nil, 0, err
	}
	out := make([]byte, 0, len(wasm)+len(exportBody)-(exports.end-exports.body)+16)
	out = append(out, wasmHeader...)
	for _, s := range sections {
		switch s.id {
		case sectionMemory:
			out = appendSection(out, s.id, memBody)
		case sectionExport:
			out = appendSection(out, s.id, exportBody)
		default:
			out = append(out, wasm[s.start:s.end]...)
		}
	}
	return out, globals, nil
}

// raiseMinimum rewrites a memory section of one memory with its minimum
// raised to at least minPages.
func raiseMinimum(body []byte, minPages uint32) ([]byte, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, fmt.Errorf("memory section: %w", err)
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: module defines %d memories, want 1", ErrNotSplittable, n)
	}
	flags, err := r.byte()
	if err != nil {
		return nil, fmt.Errorf("memory section: %w", err)
	}
	if flags > 1 {
		return nil, fmt.Errorf("%w: unsupported memory limits flags 0x%02x", ErrNotSplittable, flags)
	}
	minimum, err := r.u32()
	if err != nil {
		return nil, fmt.Errorf("memory section: %w", err)
	}
	out := appendU32([]byte{1, flags}, max(minimum, minPages))
	if flags&1 != 0 {
		maximum, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("memory section: %w", err)
		}
		if maximum < minPages {
			return nil, fmt.Errorf("%w: memory maximum of %d pages is below %d", ErrNotSplittable, maximum, minPages)
		}
		out = appendU32(out, maximum)
	}
	if !r.done() {
		return nil, fmt.Errorf("%w: memory section has trailing bytes", ErrMalformed)
	}
	return out, nil
}

// exportGlobals appends an export of each of the first globals globals to an
// export section.
func exportGlobals(body []byte, globals int) ([]byte, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return nil, fmt.Errorf("export section: %w", err)
	}
	entries := r.pos
	for i := uint32(0); i < n; i++ {
		l, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("export %d: name: %w", i, err)
		}
		name, err := r.bytes(l)
		if err != nil {
			return nil, fmt.Errorf("export %d: name: %w", i, err)
		}
		if bytes.HasPrefix(name, []byte(GlobalExport)) {
			return nil, fmt.Errorf("%w: module already exports %q", ErrNotSplittable, name)
		}
		if _, err := r.byte(); err != nil { // kind
			return nil, fmt.Errorf("export %d: %w", i, err)
		}
		if _, err := r.u32(); err != nil { // index
			return nil, fmt.Errorf("export %d: %w", i, err)
		}
	}
	if !r.done() {
		return nil, fmt.Errorf("%w: export section has trailing bytes", ErrMalformed)
	}
	if uint64(n)+uint64(globals) > 1<<32-1 {
		return nil, fmt.Errorf("%w: too many exports", ErrMalformed)
	}
	out := appendU32(nil, n+uint32(globals))
	out = append(out, body[entries:]...)
	for i := range globals {
		name := GlobalExport + strconv.Itoa(i)
		out = appendU32(out, uint32(len(name)))
		out = append(out, name...)
		out = append(out, 0x03) // global
		out = appendU32(out, uint32(i))
	}
	return out, nil
}

func appendSection(out []byte, id byte, body []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(body)))
	return append(out, body...)
}

// appendU32 appends v in unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
