package mux

import "github.com/roomcast/roomcast/pipeline/mp4box"
import "github.com/roomcast/roomcast/pipeline/media"

// buildInit returns ftyp + moov for the tracks (ISO/IEC 14496-12 §8.2–8.8):
// empty sample tables and an mvex with one trex per track, as fragmented
// files need.
func buildInit(tracks []*trackState) []byte {
	w := &mp4box.Writer{}
	ftyp := w.Start("ftyp")
	w.Str("iso6")
	w.U32(0)
	for _, b := range []string{"iso6", "iso5", "mp41", "avc1"} {
		w.Str(b)
	}
	w.End(ftyp)

	moov := w.Start("moov")
	writeMvhd(w, uint32(len(tracks)+1))
	for _, t := range tracks {
		writeTrak(w, t)
	}
	mvex := w.Start("mvex")
	for _, t := range tracks {
		trex := w.StartFull("trex", 0, 0)
		w.U32(t.id)
		w.U32(1) // default_sample_description_index
		w.U32(0) // default_sample_duration
		w.U32(0) // default_sample_size
		w.U32(0) // default_sample_flags
		w.End(trex)
	}
	w.End(mvex)
	w.End(moov)
	return w.B
}

func writeMvhd(w *mp4box.Writer, nextTrackID uint32) {
	box := w.StartFull("mvhd", 0, 0)
	w.U32(0)    // creation_time
	w.U32(0)    // modification_time
	w.U32(1000) // timescale
	w.U32(0)    // duration: unknown, fragmented
	w.U32(0x00010000)
	w.U16(0x0100)
	w.Zeros(10)
	w.Matrix()
	w.Zeros(24) // pre_defined
	w.U32(nextTrackID)
	w.End(box)
}

func writeTrak(w *mp4box.Writer, t *trackState) {
	trak := w.Start("trak")
	video := t.track.Codec == media.CodecH264
	tkhd := w.StartFull("tkhd", 0, 3) // enabled, in movie
	w.U32(0)
	w.U32(0)
	w.U32(t.id)
	w.U32(0)
	w.U32(0) // duration
	w.Zeros(8)
	w.U16(0) // layer
	w.U16(0) // alternate_group
	if video {
		w.U16(0)
	} else {
		w.U16(0x0100)
	}
	w.U16(0)
	w.Matrix()
	if video {
		w.U32(uint32(t.track.Width) << 16)
		w.U32(uint32(t.track.Height) << 16)
	} else {
		w.U32(0)
		w.U32(0)
	}
	w.End(tkhd)

	mdia := w.Start("mdia")
	mdhd := w.StartFull("mdhd", 0, 0)
	w.U32(0)
	w.U32(0)
	w.U32(t.timescale)
	w.U32(0)
	w.U16(0x55C4) // language "und"
	w.U16(0)
	w.End(mdhd)
	w.Hdlr(video)
	writeMinf(w, t, video)
	w.End(mdia)
	w.End(trak)
}

func writeMinf(w *mp4box.Writer, t *trackState, video bool) {
	minf := w.Start("minf")
	w.MediaHeaderAndDinf(video)

	stbl := w.Start("stbl")
	stsd := w.StartFull("stsd", 0, 0)
	w.U32(1)
	if video {
		writeAvc1(w, t)
	} else {
		writeMp4a(w, t)
	}
	w.End(stsd)
	for _, typ := range []string{"stts", "stsc", "stco"} {
		box := w.StartFull(typ, 0, 0)
		w.U32(0)
		w.End(box)
	}
	stsz := w.StartFull("stsz", 0, 0)
	w.U32(0)
	w.U32(0)
	w.End(stsz)
	w.End(stbl)
	w.End(minf)
}

// writeAvc1 writes a VisualSampleEntry (ISO/IEC 14496-12 §12.1.3) with its
// avcC (ISO/IEC 14496-15 §5.4.2).
func writeAvc1(w *mp4box.Writer, t *trackState) {
	box := w.Start("avc1")
	w.Zeros(6)
	w.U16(1) // data_reference_index
	w.Zeros(16)
	w.U16(uint16(t.track.Width))
	w.U16(uint16(t.track.Height))
	w.U32(0x00480000) // 72 dpi
	w.U32(0x00480000)
	w.U32(0)
	w.U16(1) // frame_count
	w.Zeros(32)
	w.U16(0x0018)
	w.U16(0xFFFF)
	t.avc.writeAvcC(w)
	w.End(box)
}

// writeMp4a writes an AudioSampleEntry (ISO/IEC 14496-12 §12.2.3) with its
// esds (ISO/IEC 14496-14 §5.6).
func writeMp4a(w *mp4box.Writer, t *trackState) {
	box := w.Start("mp4a")
	w.Zeros(6)
	w.U16(1)
	w.Zeros(8)
	w.U16(uint16(t.track.Channels))
	w.U16(16)
	w.U16(0)
	w.U16(0)
	w.U32(t.timescale << 16)
	writeEsds(w, t.id, t.track.Config, uint32(t.track.BitrateKbps)*1000)
	w.End(box)
}
