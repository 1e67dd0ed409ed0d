package memimage

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzSplit(f *testing.F) {
	valid := testModule()
	f.Add(valid, uint16(1024))
	f.Add(valid[:len(valid)/2], uint16(1024))
	f.Add(moduleSpec{minPages: 1, dataCount: true, data: dataSection(seg{8, []byte("x")})}.build(), uint16(1))
	f.Add(moduleSpec{minPages: 2, data: dataSection(manySegments(20)...)}.build(), uint16(64))
	f.Add(moduleSpec{minPages: 1, data: section(sectionData, uleb(1), []byte{0x01, 0x01, 'a'})}.build(), uint16(1))
	f.Add(moduleSpec{minPages: 1, data: dataSection(seg{0, []byte("0123")}, seg{2, []byte("ab")})}.build(), uint16(1))
	// Single-byte corruptions of the data section's framing.
	for _, off := range []int{9, 20, len(valid) - 30, len(valid) - 25} {
		for _, b := range []byte{0x00, 0x7f, 0x80, 0xff} {
			c := bytes.Clone(valid)
			c[off] = b
			f.Add(c, uint16(1024))
		}
	}

	f.Fuzz(func(t *testing.T, wasm []byte, maxImage64K uint16) {
		// Scaled so the fuzzer reaches both tiny and multi-MiB limits
		// without ever allocating more than 4 MiB.
		maxImage := int(maxImage64K%64) << 16
		stripped, image, err := Split(wasm, maxImage)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotSplittable) {
				t.Fatalf("error wraps neither sentinel: %v", err)
			}
			if stripped != nil || image != nil {
				t.Fatal("results returned along with an error")
			}
			return
		}
		if len(image) > maxImage {
			t.Fatalf("image of %d bytes exceeds maxImage %d", len(image), maxImage)
		}
		if len(stripped) > len(wasm) || !bytes.Equal(stripped[:len(wasmHeader)], wasmHeader) {
			t.Fatalf("stripped module of %d bytes from %d", len(stripped), len(wasm))
		}
		// Splitting is idempotent: the stripped module has no data left.
		again, img2, err := Split(stripped, maxImage)
		if err != nil || img2 != nil || !bytes.Equal(again, stripped) {
			t.Fatalf("re-split: image %d bytes, err %v", len(img2), err)
		}
	})
}
