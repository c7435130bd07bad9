package mux

// writeEsds writes an ES_Descriptor for AAC (ISO/IEC 14496-1 §7.2.6.5,
// carried as in ISO/IEC 14496-14 §5.6). asc is the AudioSpecificConfig.
func writeEsds(w *boxWriter, trackID uint32, asc []byte, bitrate uint32) {
	box := w.startFull("esds", 0, 0)
	dsi := len(asc)
	dcd := 13 + 2 + dsi
	es := 3 + 2 + dcd + 3
	w.u8(0x03) // ES_DescrTag
	w.u8(uint8(es))
	w.u16(uint16(trackID))
	w.u8(0)    // no dependsOn, URL or OCR stream
	w.u8(0x04) // DecoderConfigDescrTag
	w.u8(uint8(dcd))
	w.u8(0x40)        // objectTypeIndication: Audio ISO/IEC 14496-3
	w.u8(0x05<<2 | 1) // streamType audio, upStream 0, reserved 1
	w.u8(0)           // bufferSizeDB (24 bits)
	w.u16(0)
	w.u32(bitrate) // maxBitrate
	w.u32(bitrate) // avgBitrate
	w.u8(0x05)     // DecSpecificInfoTag
	w.u8(uint8(dsi))
	w.bytes(asc)
	w.u8(0x06) // SLConfigDescrTag
	w.u8(1)
	w.u8(0x02) // predefined: MP4
	w.end(box)
}
