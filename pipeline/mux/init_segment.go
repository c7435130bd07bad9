package mux

import "github.com/roomcast/roomcast/pipeline/media"

// buildInit returns ftyp + moov for the tracks (ISO/IEC 14496-12 §8.2–8.8):
// empty sample tables and an mvex with one trex per track, as fragmented
// files need.
func buildInit(tracks []*trackState) []byte {
	w := &boxWriter{}
	ftyp := w.start("ftyp")
	w.str("iso6")
	w.u32(0)
	for _, b := range []string{"iso6", "iso5", "mp41", "avc1"} {
		w.str(b)
	}
	w.end(ftyp)

	moov := w.start("moov")
	writeMvhd(w, uint32(len(tracks)+1))
	for _, t := range tracks {
		writeTrak(w, t)
	}
	mvex := w.start("mvex")
	for _, t := range tracks {
		trex := w.startFull("trex", 0, 0)
		w.u32(t.id)
		w.u32(1) // default_sample_description_index
		w.u32(0) // default_sample_duration
		w.u32(0) // default_sample_size
		w.u32(0) // default_sample_flags
		w.end(trex)
	}
	w.end(mvex)
	w.end(moov)
	return w.b
}

func writeMvhd(w *boxWriter, nextTrackID uint32) {
	box := w.startFull("mvhd", 0, 0)
	w.u32(0)    // creation_time
	w.u32(0)    // modification_time
	w.u32(1000) // timescale
	w.u32(0)    // duration: unknown, fragmented
	w.u32(0x00010000)
	w.u16(0x0100)
	w.zeros(10)
	w.matrix()
	w.zeros(24) // pre_defined
	w.u32(nextTrackID)
	w.end(box)
}

func writeTrak(w *boxWriter, t *trackState) {
	trak := w.start("trak")
	video := t.track.Codec == media.CodecH264
	tkhd := w.startFull("tkhd", 0, 3) // enabled, in movie
	w.u32(0)
	w.u32(0)
	w.u32(t.id)
	w.u32(0)
	w.u32(0) // duration
	w.zeros(8)
	w.u16(0) // layer
	w.u16(0) // alternate_group
	if video {
		w.u16(0)
	} else {
		w.u16(0x0100)
	}
	w.u16(0)
	w.matrix()
	if video {
		w.u32(uint32(t.track.Width) << 16)
		w.u32(uint32(t.track.Height) << 16)
	} else {
		w.u32(0)
		w.u32(0)
	}
	w.end(tkhd)

	mdia := w.start("mdia")
	mdhd := w.startFull("mdhd", 0, 0)
	w.u32(0)
	w.u32(0)
	w.u32(t.timescale)
	w.u32(0)
	w.u16(0x55C4) // language "und"
	w.u16(0)
	w.end(mdhd)
	writeHdlr(w, video)
	writeMinf(w, t, video)
	w.end(mdia)
	w.end(trak)
}

func writeHdlr(w *boxWriter, video bool) {
	box := w.startFull("hdlr", 0, 0)
	w.u32(0)
	name := "SoundHandler"
	if video {
		w.str("vide")
		name = "VideoHandler"
	} else {
		w.str("soun")
	}
	w.zeros(12)
	w.str(name)
	w.u8(0)
	w.end(box)
}

func writeMinf(w *boxWriter, t *trackState, video bool) {
	minf := w.start("minf")
	if video {
		box := w.startFull("vmhd", 0, 1)
		w.zeros(8)
		w.end(box)
	} else {
		box := w.startFull("smhd", 0, 0)
		w.zeros(4)
		w.end(box)
	}
	dinf := w.start("dinf")
	dref := w.startFull("dref", 0, 0)
	w.u32(1)
	url := w.startFull("url ", 0, 1) // media in the same file
	w.end(url)
	w.end(dref)
	w.end(dinf)

	stbl := w.start("stbl")
	stsd := w.startFull("stsd", 0, 0)
	w.u32(1)
	if video {
		writeAvc1(w, t)
	} else {
		writeMp4a(w, t)
	}
	w.end(stsd)
	for _, typ := range []string{"stts", "stsc", "stco"} {
		box := w.startFull(typ, 0, 0)
		w.u32(0)
		w.end(box)
	}
	stsz := w.startFull("stsz", 0, 0)
	w.u32(0)
	w.u32(0)
	w.end(stsz)
	w.end(stbl)
	w.end(minf)
}

// writeAvc1 writes a VisualSampleEntry (ISO/IEC 14496-12 §12.1.3) with its
// avcC (ISO/IEC 14496-15 §5.4.2).
func writeAvc1(w *boxWriter, t *trackState) {
	box := w.start("avc1")
	w.zeros(6)
	w.u16(1) // data_reference_index
	w.zeros(16)
	w.u16(uint16(t.track.Width))
	w.u16(uint16(t.track.Height))
	w.u32(0x00480000) // 72 dpi
	w.u32(0x00480000)
	w.u32(0)
	w.u16(1) // frame_count
	w.zeros(32)
	w.u16(0x0018)
	w.u16(0xFFFF)
	t.avc.writeAvcC(w)
	w.end(box)
}

// writeMp4a writes an AudioSampleEntry (ISO/IEC 14496-12 §12.2.3) with its
// esds (ISO/IEC 14496-14 §5.6).
func writeMp4a(w *boxWriter, t *trackState) {
	box := w.start("mp4a")
	w.zeros(6)
	w.u16(1)
	w.zeros(8)
	w.u16(uint16(t.track.Channels))
	w.u16(16)
	w.u16(0)
	w.u16(0)
	w.u32(t.timescale << 16)
	writeEsds(w, t.id, t.track.Config, uint32(t.track.BitrateKbps)*1000)
	w.end(box)
}
