package bits

import (
	"bytes"
	"errors"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func TestReader(t *testing.T) {
	r := NewReader([]byte{0b1011_0010, 0b0111_1111}, 1)
	if v := r.Bits(3); v != 0b011 {
		t.Fatalf("Bits(3) from bit 1 = %03b", v)
	}
	if v := r.Bit(); v != 0 || r.Pos() != 5 {
		t.Fatalf("Bit = %d at %d", v, r.Pos())
	}
	if v := r.Bits(6); v != 0b010_011 {
		t.Fatalf("Bits(6) across the byte = %06b", v)
	}
	r.Skip(5)
	if r.Pos() != 16 || r.Err() != nil {
		t.Fatalf("after Skip: at %d, %v", r.Pos(), r.Err())
	}
	if v := r.Bit(); v != 0 || !errors.Is(r.Err(), ErrShort) {
		t.Fatalf("a read past the end gave %d, %v", v, r.Err())
	}
	r.Fail(errors.New("later"))
	if !errors.Is(r.Err(), ErrShort) {
		t.Fatalf("Fail replaced the first error: %v", r.Err())
	}

	for name, read := range map[string]func(*Reader){
		"Bits past the end": func(r *Reader) { r.Bits(17) },
		"Skip past the end": func(r *Reader) { r.Skip(17) },
		"Skip back":         func(r *Reader) { r.Skip(-1) },
		"from before 0":     func(r *Reader) { r.pos = -3; r.Bits(2) },
	} {
		r := NewReader([]byte{0xff, 0xff}, 0)
		read(r)
		if v := r.Bits(1); v != 0 || !errors.Is(r.Err(), ErrShort) {
			t.Errorf("%s: then a read gave %d, %v", name, v, r.Err())
		}
	}
	r = NewReader(nil, 0)
	if r.Fail(errors.New("syntax")); r.Bits(1) != 0 || r.Err().Error() != "syntax" {
		t.Errorf("after Fail: %v", r.Err())
	}
}

func TestWriter(t *testing.T) {
	w := NewWriter([]byte{0xaa})
	w.Bits(0b101, 3)
	w.Bits(0x1ff, 9)
	if got := w.Bytes(); !bytes.Equal(got, []byte{0xaa, 0b1011_1111, 0b1111_0000}) {
		t.Fatalf("wrote % 08b", got)
	}
}

// copyCases are sources and bit ranges for CopyBits: the first byte of
// each is the number of bits written before, the second and third the
// range, the rest the source.
var copyCases = map[string][]byte{
	"aligned both":       {0, 0, 32, 1, 2, 3, 4},
	"aligned dst":        {0, 3, 29, 0xde, 0xad, 0xbe, 0xef},
	"aligned src":        {5, 8, 32, 0xde, 0xad, 0xbe, 0xef},
	"unaligned both":     {3, 5, 27, 0xde, 0xad, 0xbe, 0xef},
	"inside one byte":    {7, 2, 6, 0xff},
	"empty range":        {4, 9, 9, 0x12, 0x34},
	"range past the end": {0, 0, 250, 0x12},
}

// copyArgs decodes a copyCases entry, clamping the range to the source.
func copyArgs(b []byte) (before int, src []byte, from, to int, ok bool) {
	if len(b) < 3 {
		return 0, nil, 0, 0, false
	}
	before, src = int(b[0]%64), b[3:]
	from, to = min(int(b[1]), len(src)*8), min(int(b[2]), len(src)*8)
	return before, src, min(from, to), to, true
}

// checkCopy compares CopyBits with copying the range one bit at a time.
func checkCopy(t *testing.T, b []byte) {
	before, src, from, to, ok := copyArgs(b)
	if !ok {
		return
	}
	got, want := NewWriter(nil), NewWriter(nil)
	for i := range before {
		got.Bits(uint32(i&1), 1)
		want.Bits(uint32(i&1), 1)
	}
	got.CopyBits(src, from, to)
	r := NewReader(src, from)
	for range to - from {
		want.Bits(r.Bit(), 1)
	}
	if r.Err() != nil {
		t.Fatalf("reading the range back: %v", r.Err())
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) || got.n != want.n {
		t.Fatalf("CopyBits(%d..%d) after %d bits: % x (%d bits), want % x (%d bits)", from, to, before, got.Bytes(), got.n, want.Bytes(), want.n)
	}
}

func TestCopyBits(t *testing.T) {
	for name, c := range copyCases {
		t.Run(name, func(t *testing.T) { checkCopy(t, c) })
	}
	fuzzcorpus.WriteBytes(t, "FuzzCopyBits", copyCases)
}

func FuzzCopyBits(f *testing.F) {
	for _, c := range copyCases {
		f.Add(c)
	}
	f.Fuzz(checkCopy)
}
