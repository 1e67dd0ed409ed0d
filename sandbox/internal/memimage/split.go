package memimage

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
)

// Section ids of the WebAssembly binary format.
const (
	sectionCustom    = 0
	sectionImport    = 2
	sectionMemory    = 5
	sectionCode      = 10
	sectionData      = 11
	sectionDataCount = 12
	// sectionTag (exception handling) is the highest id wazero knows.
	sectionTag = 13
)

const wasmPageSize = 1 << 16

// wasmHeader is the magic number followed by binary format version 1.
var wasmHeader = []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

// span is the extent of one section within the module: [start, end) covers
// the id byte, the size and the body; the body starts at body.
type span struct {
	id               byte
	start, body, end int
}

// segment is one active data segment: its bytes are wasm[data:data+n] and
// they belong at memory offset off.
type segment struct {
	off, data, n uint32
}

func (s segment) end() uint64 { return uint64(s.off) + uint64(s.n) }

// Split parses a wasm binary, removes its data section (id 11) and, if
// present, the data count section (id 12), and returns the stripped module
// and the image: a byte slice where image[off:off+len(seg)] = seg for every
// active data segment of memory 0 with an i32.const offset.
//
// It returns an error wrapping ErrMalformed or ErrNotSplittable (it never
// panics) for malformed input, passive segments, segments with other offset
// expressions or memories, overlapping segments, segments extending past the
// memory's initial size, a memory that is imported rather than defined by the
// module, or an image larger than maxImage bytes. A data count section is only
// removed when the code section cannot contain memory.init or data.drop
// (which need it); otherwise Split refuses the module.
//
// If the module has no data section, image is nil and stripped == input. If
// every segment is empty, image is nil and stripped is a valid module that
// needs no image. Otherwise stripped is a freshly allocated slice and image
// ends where the highest non-empty segment ends.
func Split(wasm []byte, maxImage int) (stripped, image []byte, err error) {
	stripped, image, err = split(wasm, maxImage)
	if err != nil {
		return nil, nil, fmt.Errorf("memimage: %w", err)
	}
	return stripped, image, nil
}

func split(wasm []byte, maxImage int) (stripped, image []byte, err error) {
	if len(wasm) < len(wasmHeader) {
		return nil, nil, fmt.Errorf("%w: %d bytes is shorter than the module header", ErrMalformed, len(wasm))
	}
	if !bytes.Equal(wasm[:len(wasmHeader)], wasmHeader) {
		return nil, nil, fmt.Errorf("%w: bad magic number or unsupported binary version", ErrMalformed)
	}

	sections, err := scanSections(wasm)
	if err != nil {
		return nil, nil, err
	}
	var imports, memSec, code, data, dataCount *span
	for i := range sections {
		s := &sections[i]
		switch s.id {
		case sectionImport:
			imports = s
		case sectionMemory:
			memSec = s
		case sectionCode:
			code = s
		case sectionData:
			data = s
		case sectionDataCount:
			dataCount = s
		}
	}
	if data == nil {
		return wasm, nil, nil
	}

	if imports != nil {
		if _, err := checkImports(wasm[imports.body:imports.end]); err != nil {
			return nil, nil, err
		}
	}
	if memSec == nil {
		// Either the memory is imported (its initial contents are not this
		// module's to decide, and the allocator would never be asked for
		// it) or there is none and the data section is invalid anyway.
		return nil, nil, fmt.Errorf("%w: data section but no memory defined by the module", ErrNotSplittable)
	}
	memBytes, err := initialMemoryBytes(wasm[memSec.body:memSec.end])
	if err != nil {
		return nil, nil, err
	}
	segs, err := parseData(wasm, data.body, data.end, memBytes, uint64(max(maxImage, 0)))
	if err != nil {
		return nil, nil, err
	}

	if dataCount != nil {
		r := reader{b: wasm[:dataCount.end], pos: dataCount.body}
		n, err := r.u32()
		if err != nil {
			return nil, nil, fmt.Errorf("data count section: %w", err)
		}
		if !r.done() {
			return nil, nil, fmt.Errorf("%w: data count section has trailing bytes", ErrMalformed)
		}
		if int(n) != len(segs) {
			return nil, nil, fmt.Errorf("%w: data count %d does not match %d data segments", ErrMalformed, n, len(segs))
		}
		// The data count section exists so that memory.init and data.drop
		// can be validated; code that uses them would no longer compile
		// without it. Decoding every instruction to find them is a lot of
		// machinery for a case Go never produces, so look for the prefix
		// byte 0xfc followed by the first byte of the sub-opcode 8 or 9
		// (canonical LEB128 0x08/0x09 or an overlong 0x88/0x89). This has
		// false positives but no false negatives, and a false positive only
		// means the module is instantiated unchanged.
		if code != nil && mayUseDataSegments(wasm[code.body:code.end]) {
			return nil, nil, fmt.Errorf("%w: code may reference data segments (memory.init or data.drop)", ErrNotSplittable)
		}
	}

	image, err = buildImage(wasm, segs)
	if err != nil {
		return nil, nil, err
	}

	size := len(wasmHeader)
	for _, s := range sections {
		if s.id != sectionData && s.id != sectionDataCount {
			size += s.end - s.start
		}
	}
	stripped = make([]byte, 0, size)
	stripped = append(stripped, wasmHeader...)
	for _, s := range sections {
		if s.id != sectionData && s.id != sectionDataCount {
			stripped = append(stripped, wasm[s.start:s.end]...)
		}
	}
	return stripped, image, nil
}

// scanSections splits the module into sections, checking that each lies
// within the input and that no non-custom section appears twice. Section order
// is left to wazero's validator: removing sections cannot make it wrong.
func scanSections(wasm []byte) ([]span, error) {
	var sections []span
	var seen [sectionTag + 1]bool
	r := reader{b: wasm, pos: len(wasmHeader)}
	for !r.done() {
		start := r.pos
		id, _ := r.byte() // cannot fail: not done
		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("section at offset %d: size: %w", start, err)
		}
		if uint64(size) > uint64(len(wasm)-r.pos) {
			return nil, fmt.Errorf("%w: section %d at offset %d claims %d bytes but only %d remain",
				ErrMalformed, id, start, size, len(wasm)-r.pos)
		}
		if id > sectionTag {
			return nil, fmt.Errorf("%w: unknown section id %d at offset %d", ErrMalformed, id, start)
		}
		if id != sectionCustom {
			if seen[id] {
				return nil, fmt.Errorf("%w: duplicate section id %d at offset %d", ErrMalformed, id, start)
			}
			seen[id] = true
		}
		body := r.pos
		r.pos += int(size)
		sections = append(sections, span{id: id, start: start, body: body, end: r.pos})
	}
	return sections, nil
}

// checkImports fails if the module imports a memory. A module with an
// imported memory has no memory section and is rejected anyway; parsing the
// imports also catches a module that imports one memory and defines another,
// whose data could target the imported one. It returns the number of
// imported globals.
func checkImports(body []byte) (globals int, err error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return 0, fmt.Errorf("import section: %w", err)
	}
	for i := uint32(0); i < n; i++ {
		for range 2 { // module name, field name
			l, err := r.u32()
			if err != nil {
				return 0, fmt.Errorf("import %d: name: %w", i, err)
			}
			if _, err := r.bytes(l); err != nil {
				return 0, fmt.Errorf("import %d: name: %w", i, err)
			}
		}
		kind, err := r.byte()
		if err != nil {
			return 0, fmt.Errorf("import %d: %w", i, err)
		}
		switch kind {
		case 0x00: // function: type index
			_, err = r.u32()
		case 0x01: // table: reference type, limits
			if _, err = r.byte(); err == nil {
				_, err = r.limits()
			}
		case 0x02:
			return 0, fmt.Errorf("%w: memory is imported", ErrNotSplittable)
		case 0x03: // global: value type, mutability
			globals++
			if _, err = r.byte(); err == nil {
				_, err = r.byte()
			}
		case 0x04: // tag: attribute, type index
			if _, err = r.byte(); err == nil {
				_, err = r.u32()
			}
		default:
			return 0, fmt.Errorf("%w: import %d has unknown kind 0x%02x", ErrMalformed, i, kind)
		}
		if err != nil {
			return 0, fmt.Errorf("import %d: %w", i, err)
		}
	}
	if !r.done() {
		return 0, fmt.Errorf("%w: import section has trailing bytes", ErrMalformed)
	}
	return globals, nil
}

// initialMemoryBytes returns the initial size in bytes of the single memory
// the module defines.
func initialMemoryBytes(body []byte) (uint64, error) {
	r := reader{b: body}
	n, err := r.u32()
	if err != nil {
		return 0, fmt.Errorf("memory section: %w", err)
	}
	if n != 1 {
		// wazero supports exactly one memory; zero means the data section
		// has nothing to initialise.
		return 0, fmt.Errorf("%w: module defines %d memories, want 1", ErrNotSplittable, n)
	}
	minPages, err := r.limits()
	if err != nil {
		return 0, fmt.Errorf("memory section: %w", err)
	}
	if !r.done() {
		return 0, fmt.Errorf("%w: memory section has trailing bytes", ErrMalformed)
	}
	if minPages > 1<<16 {
		return 0, fmt.Errorf("%w: memory minimum of %d pages exceeds 4 GiB", ErrMalformed, minPages)
	}
	return uint64(minPages) * wasmPageSize, nil
}

// parseData decodes the data section wasm[body:end]. Every segment must lie
// within the initial memory of memBytes bytes and, unless it is empty, end
// within maxImage bytes.
func parseData(wasm []byte, body, end int, memBytes, maxImage uint64) ([]segment, error) {
	r := reader{b: wasm[:end], pos: body}
	n, err := r.u32()
	if err != nil {
		return nil, fmt.Errorf("data section: %w", err)
	}
	// Each segment takes at least 5 bytes (flags, i32.const, offset, end,
	// length), so the count cannot make us allocate more than the input.
	segs := make([]segment, 0, min(int(n), (end-r.pos)/5))
	for i := uint32(0); i < n; i++ {
		flags, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("data segment %d: flags: %w", i, err)
		}
		switch flags {
		case 0: // active, memory 0
		case 1:
			return nil, fmt.Errorf("%w: data segment %d is passive", ErrNotSplittable, i)
		case 2: // active, explicit memory index
			mem, err := r.u32()
			if err != nil {
				return nil, fmt.Errorf("data segment %d: memory index: %w", i, err)
			}
			if mem != 0 {
				return nil, fmt.Errorf("%w: data segment %d targets memory %d", ErrNotSplittable, i, mem)
			}
		default:
			return nil, fmt.Errorf("%w: data segment %d has unknown flags %d", ErrMalformed, i, flags)
		}

		// The offset expression must be exactly "i32.const n; end". Anything
		// else (global.get, extended constant expressions) depends on
		// instantiation-time values or needs an evaluator.
		op, err := r.byte()
		if err != nil {
			return nil, fmt.Errorf("data segment %d: offset: %w", i, err)
		}
		if op != 0x41 {
			return nil, fmt.Errorf("%w: data segment %d offset is not an i32.const (opcode 0x%02x)", ErrNotSplittable, i, op)
		}
		off, err := r.s32()
		if err != nil {
			return nil, fmt.Errorf("data segment %d: offset: %w", i, err)
		}
		op, err = r.byte()
		if err != nil {
			return nil, fmt.Errorf("data segment %d: offset: %w", i, err)
		}
		if op != 0x0b {
			return nil, fmt.Errorf("%w: data segment %d offset is not a single i32.const", ErrNotSplittable, i)
		}

		size, err := r.u32()
		if err != nil {
			return nil, fmt.Errorf("data segment %d: size: %w", i, err)
		}
		start := r.pos
		if _, err := r.bytes(size); err != nil {
			return nil, fmt.Errorf("data segment %d: %w", i, err)
		}
		// The offset is an i32 interpreted as an unsigned address.
		s := segment{off: uint32(off), data: uint32(start), n: size}
		if s.end() > memBytes {
			// The unmodified module fails to instantiate; leave it to wazero
			// to say so rather than produce an image that hides the error.
			return nil, fmt.Errorf("%w: data segment %d [%d, %d) lies outside the initial memory of %d bytes",
				ErrNotSplittable, i, s.off, s.end(), memBytes)
		}
		if s.n > 0 && s.end() > maxImage {
			return nil, fmt.Errorf("%w: data segment %d ends at %d, beyond the image size limit of %d bytes",
				ErrNotSplittable, i, s.end(), maxImage)
		}
		segs = append(segs, s)
	}
	if !r.done() {
		return nil, fmt.Errorf("%w: data section has trailing bytes", ErrMalformed)
	}
	return segs, nil
}

// buildImage lays the segments out in one slice, refusing overlaps: they are
// legal wasm (later segments win) but never produced by real toolchains, and
// rejecting them keeps the image independent of segment order.
func buildImage(wasm []byte, segs []segment) ([]byte, error) {
	var size uint64
	sorted := true
	var prevEnd uint64
	for _, s := range segs {
		if s.n == 0 {
			continue // empty segments only assert that their offset is in bounds
		}
		if uint64(s.off) < prevEnd {
			sorted = false
		}
		prevEnd = s.end()
		size = max(size, s.end())
	}
	if !sorted {
		// Linkers emit segments in address order, so this path is rare. Sort
		// a copy by offset and look for overlaps between neighbours.
		byOff := slices.Clone(segs)
		slices.SortFunc(byOff, func(a, b segment) int { return cmp.Compare(a.off, b.off) })
		prevEnd = 0
		for _, s := range byOff {
			if s.n == 0 {
				continue
			}
			if uint64(s.off) < prevEnd {
				return nil, fmt.Errorf("%w: data segments overlap at memory offset %d", ErrNotSplittable, s.off)
			}
			prevEnd = s.end()
		}
	}
	if size == 0 {
		return nil, nil
	}
	image := make([]byte, size)
	for _, s := range segs {
		if s.n > 0 { // an empty segment may sit past the end of the image
			copy(image[s.off:s.end()], wasm[s.data:s.data+s.n])
		}
	}
	return image, nil
}

// mayUseDataSegments reports whether code could contain memory.init (0xfc 8)
// or data.drop (0xfc 9).
func mayUseDataSegments(code []byte) bool {
	for i := 0; i+1 < len(code); i++ {
		if code[i] == 0xfc {
			switch code[i+1] {
			case 0x08, 0x09, 0x88, 0x89:
				return true
			}
		}
	}
	return false
}

// reader decodes the primitive encodings of the binary format from b[pos:].
// Every method fails with an error wrapping ErrMalformed instead of reading
// out of bounds.
type reader struct {
	b   []byte
	pos int
}

func (r *reader) done() bool { return r.pos >= len(r.b) }

func (r *reader) errEOF() error {
	return fmt.Errorf("%w: unexpected end of input at offset %d", ErrMalformed, r.pos)
}

func (r *reader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, r.errEOF()
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(n) > uint64(len(r.b)-r.pos) {
		return nil, fmt.Errorf("%w: %d bytes needed at offset %d but only %d remain", ErrMalformed, n, r.pos, len(r.b)-r.pos)
	}
	b := r.b[r.pos : r.pos+int(n)]
	r.pos += int(n)
	return b, nil
}

// u32 decodes an unsigned LEB128 value of at most 32 bits. As the spec
// requires, it rejects encodings longer than 5 bytes and a final byte with
// bits beyond the 32nd set.
func (r *reader) u32() (uint32, error) {
	start := r.pos
	var v uint32
	for shift := 0; ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 28 && c > 0x0f {
			return 0, fmt.Errorf("%w: LEB128 u32 overflow at offset %d", ErrMalformed, start)
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, nil
		}
	}
}

// s32 decodes a signed LEB128 value of at most 32 bits. The unused bits of a
// 5-byte encoding must be copies of the sign bit.
func (r *reader) s32() (int32, error) {
	start := r.pos
	var v uint32
	for shift := 0; ; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		if shift == 28 {
			// Bits 0-3 are value bits 28-31; bits 4-6 must extend bit 3.
			if c&0x80 != 0 || (c&0x08 == 0 && c&0x70 != 0) || (c&0x08 != 0 && c&0x70 != 0x70) {
				return 0, fmt.Errorf("%w: LEB128 s32 overflow at offset %d", ErrMalformed, start)
			}
			return int32(v | uint32(c&0x0f)<<28), nil
		}
		v |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			if c&0x40 != 0 { // negative: sign-extend
				v |= ^uint32(0) << (shift + 7)
			}
			return int32(v), nil
		}
	}
}

// limits decodes a table or memory limits pair. Flags 0-3 are the MVP and
// threads encodings (bit 0: maximum present, bit 1: shared); 64-bit indices
// and custom page sizes are not supported by wazero and rejected here.
// Only the minimum is returned: the maximum is what wazero passes to the
// allocator, and it needs no checking here.
func (r *reader) limits() (minimum uint32, err error) {
	flags, err := r.byte()
	if err != nil {
		return 0, err
	}
	if flags > 3 {
		return 0, fmt.Errorf("%w: unsupported limits flags 0x%02x", ErrNotSplittable, flags)
	}
	if minimum, err = r.u32(); err != nil {
		return 0, err
	}
	if flags&1 != 0 {
		if _, err := r.u32(); err != nil {
			return 0, err
		}
	}
	return minimum, nil
}
