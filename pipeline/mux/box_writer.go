package mux

import "encoding/binary"

// boxWriter appends ISO BMFF boxes (ISO/IEC 14496-12 §4.2) to a byte slice.
// start returns the offset of the box header; end back-patches the size.
type boxWriter struct {
	b []byte
}

func (w *boxWriter) start(typ string) int {
	pos := len(w.b)
	w.u32(0)
	w.b = append(w.b, typ[:4]...)
	return pos
}

// startFull starts a FullBox: a box with a version and 24 bits of flags.
func (w *boxWriter) startFull(typ string, version uint8, flags uint32) int {
	pos := w.start(typ)
	w.u32(uint32(version)<<24 | flags&0xFFFFFF)
	return pos
}

func (w *boxWriter) end(pos int) {
	binary.BigEndian.PutUint32(w.b[pos:], uint32(len(w.b)-pos))
}

func (w *boxWriter) u8(v uint8)              { w.b = append(w.b, v) }
func (w *boxWriter) u16(v uint16)            { w.b = binary.BigEndian.AppendUint16(w.b, v) }
func (w *boxWriter) u32(v uint32)            { w.b = binary.BigEndian.AppendUint32(w.b, v) }
func (w *boxWriter) u64(v uint64)            { w.b = binary.BigEndian.AppendUint64(w.b, v) }
func (w *boxWriter) bytes(p []byte)          { w.b = append(w.b, p...) }
func (w *boxWriter) str(s string)            { w.b = append(w.b, s...) }
func (w *boxWriter) zeros(n int)             { w.b = append(w.b, make([]byte, n)...) }
func (w *boxWriter) putU32(at int, v uint32) { binary.BigEndian.PutUint32(w.b[at:], v) }

// unityMatrix is the identity transformation matrix of mvhd and tkhd.
var unityMatrix = [9]uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000}

func (w *boxWriter) matrix() {
	for _, v := range unityMatrix {
		w.u32(v)
	}
}
