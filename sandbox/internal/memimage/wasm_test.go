package memimage

import (
	"bytes"
	"slices"
)

// A minimal assembler for the test modules: just enough of the binary format
// to build a module with one memory, a few exported functions and a data
// section, written out by hand so the tests depend on no toolchain.

func uleb(v uint64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			out = append(out, c|0x80)
			continue
		}
		return append(out, c)
	}
}

func sleb(v int64) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

// section encodes a section with the given id and body.
func section(id byte, body ...[]byte) []byte {
	b := cat(body...)
	return cat([]byte{id}, uleb(uint64(len(b))), b)
}

// vector encodes a count followed by the items.
func vector(items ...[]byte) []byte {
	return cat(uleb(uint64(len(items))), cat(items...))
}

func name(s string) []byte { return cat(uleb(uint64(len(s))), []byte(s)) }

type seg struct {
	off  int32
	data []byte
}

// activeSegment encodes "flags 0, i32.const off, end, data".
func activeSegment(s seg) []byte {
	return cat([]byte{0x00, 0x41}, sleb(int64(s.off)), []byte{0x0b}, uleb(uint64(len(s.data))), s.data)
}

func dataSection(segs ...seg) []byte {
	items := make([][]byte, len(segs))
	for i, s := range segs {
		items[i] = activeSegment(s)
	}
	return section(sectionData, vector(items...))
}

// moduleSpec describes a test module. Its exported functions are:
//
//	load(addr i32) i32        ;; i32.load8_u
//	store(addr i32, val i32)  ;; i32.store8
//	grow(pages i32) i32       ;; memory.grow
type moduleSpec struct {
	minPages  uint32
	maxPages  uint32 // 0: no maximum
	dataCount bool   // emit a data count section
	initCode  bool   // add a function using memory.init (needs dataCount)
	data      []byte // the whole data section; nil: none
	globals   int    // mutable i32 globals, global i starting at 7*(i+1)
}

func (m moduleSpec) build() []byte {
	typeSec := section(1, vector(
		[]byte{0x60, 0x01, 0x7f, 0x01, 0x7f}, // (i32) -> i32
		[]byte{0x60, 0x02, 0x7f, 0x7f, 0x00}, // (i32, i32) -> ()
		[]byte{0x60, 0x00, 0x00},             // () -> ()
	))
	funcs := [][]byte{{0x00}, {0x01}, {0x00}}
	bodies := [][]byte{
		{0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b},             // local.get 0; i32.load8_u; end
		{0x20, 0x00, 0x20, 0x01, 0x3a, 0x00, 0x00, 0x0b}, // local.get 0; local.get 1; i32.store8; end
		{0x20, 0x00, 0x40, 0x00, 0x0b},                   // local.get 0; memory.grow 0; end
	}
	if m.initCode {
		funcs = append(funcs, []byte{0x02})
		// i32.const 0 (x3); memory.init data 0 mem 0; end
		bodies = append(bodies, []byte{0x41, 0x00, 0x41, 0x00, 0x41, 0x00, 0xfc, 0x08, 0x00, 0x00, 0x0b})
	}
	codeItems := make([][]byte, len(bodies))
	for i, b := range bodies {
		codeItems[i] = cat(uleb(uint64(len(b)+1)), []byte{0x00}, b) // size, no locals, body
	}
	limits := cat([]byte{0x00}, uleb(uint64(m.minPages)))
	if m.maxPages != 0 {
		limits = cat([]byte{0x01}, uleb(uint64(m.minPages)), uleb(uint64(m.maxPages)))
	}
	exports := section(7, vector(
		cat(name("memory"), []byte{0x02, 0x00}),
		cat(name("load"), []byte{0x00, 0x00}),
		cat(name("store"), []byte{0x00, 0x01}),
		cat(name("grow"), []byte{0x00, 0x02}),
	))
	out := cat(wasmHeader, typeSec, section(3, vector(funcs...)), section(sectionMemory, vector(limits)))
	if m.globals > 0 {
		items := make([][]byte, m.globals)
		for i := range items {
			items[i] = cat([]byte{0x7f, 0x01, 0x41}, sleb(int64(7*(i+1))), []byte{0x0b})
		}
		out = cat(out, section(sectionGlobal, vector(items...)))
	}
	out = cat(out, exports)
	if m.dataCount {
		n, _ := segmentCount(m.data)
		out = cat(out, section(sectionDataCount, uleb(uint64(n))))
	}
	out = cat(out, section(sectionCode, vector(codeItems...)), m.data)
	return cat(out, trailer)
}

// trailer ends every test module: a custom section after the data section,
// which must survive stripping.
var trailer = section(sectionCustom, name("trailer"), []byte("kept"))

// segmentCount reads the count of a data section built by dataSection.
func segmentCount(data []byte) (uint32, error) {
	if data == nil {
		return 0, nil
	}
	r := reader{b: data, pos: 1}
	if _, err := r.u32(); err != nil {
		return 0, err
	}
	return r.u32()
}

// sectionIDs lists the ids of a module's sections in order.
func sectionIDs(wasm []byte) []byte {
	spans, err := scanSections(wasm)
	if err != nil {
		panic(err)
	}
	ids := make([]byte, len(spans))
	for i, s := range spans {
		ids[i] = s.id
	}
	return ids
}

// expectedImage lays out segments the obvious way, for comparison with Split.
func expectedImage(segs ...seg) []byte {
	var img []byte
	for _, s := range segs {
		if len(s.data) == 0 {
			continue
		}
		if end := int(s.off) + len(s.data); end > len(img) {
			img = append(img, make([]byte, end-len(img))...)
		}
		copy(img[s.off:], s.data)
	}
	return img
}

// manySegments returns n small segments laid out like Go's linker does:
// ascending, short, separated by small gaps.
func manySegments(n int) []seg {
	segs := make([]seg, n)
	for i := range segs {
		data := bytes.Repeat([]byte{byte(i) | 1}, 8+i%17)
		segs[i] = seg{off: int32(1024 + i*32), data: data}
	}
	return segs
}
