package mux

import "github.com/roomcast/roomcast/pipeline/mp4box"

// writeEsds writes an ES_Descriptor for AAC (ISO/IEC 14496-1 §7.2.6.5,
// carried as in ISO/IEC 14496-14 §5.6). asc is the AudioSpecificConfig.
func writeEsds(w *mp4box.Writer, trackID uint32, asc []byte, bitrate uint32) {
	box := w.StartFull("esds", 0, 0)
	dsi := len(asc)
	dcd := 13 + 2 + dsi
	es := 3 + 2 + dcd + 3
	w.U8(0x03) // ES_DescrTag
	w.U8(uint8(es))
	w.U16(uint16(trackID))
	w.U8(0)    // no dependsOn, URL or OCR stream
	w.U8(0x04) // DecoderConfigDescrTag
	w.U8(uint8(dcd))
	w.U8(0x40)        // objectTypeIndication: Audio ISO/IEC 14496-3
	w.U8(0x05<<2 | 1) // streamType audio, upStream 0, reserved 1
	w.U8(0)           // bufferSizeDB (24 bits)
	w.U16(0)
	w.U32(bitrate) // maxBitrate
	w.U32(bitrate) // avgBitrate
	w.U8(0x05)     // DecSpecificInfoTag
	w.U8(uint8(dsi))
	w.Bytes(asc)
	w.U8(0x06) // SLConfigDescrTag
	w.U8(1)
	w.U8(0x02) // predefined: MP4
	w.End(box)
}
