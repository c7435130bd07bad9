// Package mp4box writes ISO base media file format boxes (ISO/IEC
// 14496-12 §4.2) into a byte slice: the shared layer of pipeline/mux
// (fragmented MP4) and pipeline/remux (progressive MP4).
package mp4box

import (
	"encoding/binary"
	"math"
)

// Writer appends boxes to B. Start returns where a box's header is; End
// back-patches its size once the payload is written.
type Writer struct {
	B []byte
}

// Start begins a box of type typ (four characters).
func (w *Writer) Start(typ string) int {
	at := len(w.B)
	w.U32(0)
	w.B = append(w.B, typ[:4]...)
	return at
}

// StartFull begins a FullBox with its version and 24-bit flags.
func (w *Writer) StartFull(typ string, version uint8, flags uint32) int {
	at := w.Start(typ)
	w.U32(uint32(version)<<24 | flags&0xFFFFFF)
	return at
}

// End sets the size of the box started at at.
func (w *Writer) End(at int) {
	binary.BigEndian.PutUint32(w.B[at:], uint32(len(w.B)-at))
}

// Big-endian fields and raw bytes.
func (w *Writer) U8(v uint8)              { w.B = append(w.B, v) }
func (w *Writer) U16(v uint16)            { w.B = binary.BigEndian.AppendUint16(w.B, v) }
func (w *Writer) U32(v uint32)            { w.B = binary.BigEndian.AppendUint32(w.B, v) }
func (w *Writer) U64(v uint64)            { w.B = binary.BigEndian.AppendUint64(w.B, v) }
func (w *Writer) Bytes(p []byte)          { w.B = append(w.B, p...) }
func (w *Writer) Str(s string)            { w.B = append(w.B, s...) }
func (w *Writer) Zeros(n int)             { w.B = append(w.B, make([]byte, n)...) }
func (w *Writer) PutU32(at int, v uint32) { binary.BigEndian.PutUint32(w.B[at:], v) }

// Versioned writes v in 64 bits for a version 1 FullBox, else 32.
func (w *Writer) Versioned(v1 bool, v uint64) {
	if v1 {
		w.U64(v)
	} else {
		w.U32(uint32(v))
	}
}

// NeedsV1 tells whether any value needs a version 1 (64-bit) FullBox.
func NeedsV1(values ...uint64) bool {
	for _, v := range values {
		if v > math.MaxUint32 {
			return true
		}
	}
	return false
}

// Matrix writes the identity transformation matrix (§8.2.2).
func (w *Writer) Matrix() {
	for _, v := range []uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000} {
		w.U32(v)
	}
}

// Hdlr writes the handler box of a video or sound track (§8.4.3).
func (w *Writer) Hdlr(video bool) {
	at := w.StartFull("hdlr", 0, 0)
	w.U32(0)
	name := "SoundHandler"
	if video {
		w.Str("vide")
		name = "VideoHandler"
	} else {
		w.Str("soun")
	}
	w.Zeros(12)
	w.Str(name)
	w.U8(0)
	w.End(at)
}

// MediaHeaderAndDinf writes vmhd or smhd (§12.1.2, §12.2.2) and a dinf
// whose one dref entry says the media is in this file (§8.7).
func (w *Writer) MediaHeaderAndDinf(video bool) {
	if video {
		at := w.StartFull("vmhd", 0, 1)
		w.Zeros(8)
		w.End(at)
	} else {
		at := w.StartFull("smhd", 0, 0)
		w.Zeros(4)
		w.End(at)
	}
	dinf := w.Start("dinf")
	dref := w.StartFull("dref", 0, 0)
	w.U32(1)
	url := w.StartFull("url ", 0, 1) // media in the same file
	w.End(url)
	w.End(dref)
	w.End(dinf)
}
