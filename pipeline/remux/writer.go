package remux

import (
	"encoding/binary"
	"math"
)

// writer appends boxes to a byte slice; start returns where the header
// is and end back-patches the size once the payload is written.
type writer struct {
	b []byte
}

func (w *writer) start(typ string) int {
	at := len(w.b)
	w.u32(0)
	w.b = append(w.b, typ[:4]...)
	return at
}

func (w *writer) startFull(typ string, version uint8, flags uint32) int {
	at := w.start(typ)
	w.u32(uint32(version)<<24 | flags&0xFFFFFF)
	return at
}

func (w *writer) end(at int) {
	binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at))
}

func (w *writer) u8(v uint8)     { w.b = append(w.b, v) }
func (w *writer) u16(v uint16)   { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *writer) u32(v uint32)   { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *writer) u64(v uint64)   { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *writer) str(s string)   { w.b = append(w.b, s...) }
func (w *writer) bytes(b []byte) { w.b = append(w.b, b...) }
func (w *writer) zeros(n int)    { w.b = append(w.b, make([]byte, n)...) }
func (w *writer) versioned(v1 bool, v uint64) {
	if v1 {
		w.u64(v)
	} else {
		w.u32(uint32(v))
	}
}

// matrix writes the identity transformation matrix (§8.2.2).
func (w *writer) matrix() {
	for _, v := range []uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000} {
		w.u32(v)
	}
}

// needsV1 tells whether any value needs a version 1 (64-bit) FullBox.
func needsV1(values ...uint64) bool {
	for _, v := range values {
		if v > math.MaxUint32 {
			return true
		}
	}
	return false
}

func putU32(b []byte, v uint32) { binary.BigEndian.PutUint32(b, v) }
