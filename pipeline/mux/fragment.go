package mux

import "github.com/roomcast/roomcast/pipeline/mp4box"

// Sample flags (ISO/IEC 14496-12 §8.8.3.1): sample_depends_on and
// sample_is_non_sync_sample.
const (
	flagsSync    = 0x02000000 // depends on no other sample
	flagsNonSync = 0x01010000 // depends on others, not a sync sample
)

// trun flags (ISO/IEC 14496-12 §8.8.8).
const (
	trunDataOffset = 0x000001
	trunDuration   = 0x000100
	trunSize       = 0x000200
	trunFlags      = 0x000400
	trunCTS        = 0x000800
)

// tfhdBaseIsMoof is default-base-is-moof (ISO/IEC 14496-12 §8.8.7).
const tfhdBaseIsMoof = 0x020000

// sample is one access unit ready for a trun.
type sample struct {
	dts      uint64
	duration uint32
	cts      int32
	key      bool
	data     []byte
}

// fragmentTrack is one traf: a track's samples in a media segment.
type fragmentTrack struct {
	id       uint32
	baseTime uint64
	samples  []sample
}

// buildFragment returns styp + moof + mdat (ISO/IEC 14496-12 §8.16.2, §8.8)
// with one traf per track that has samples; sample data follows in mdat in
// traf order.
func buildFragment(seq uint32, tracks []fragmentTrack) []byte {
	w := &mp4box.Writer{}
	styp := w.Start("styp")
	w.Str("msdh")
	w.U32(0)
	w.Str("msdh")
	w.Str("iso6")
	w.End(styp)

	moofStart := len(w.B)
	moof := w.Start("moof")
	mfhd := w.StartFull("mfhd", 0, 0)
	w.U32(seq)
	w.End(mfhd)
	offsets := make([]int, len(tracks))
	for i, t := range tracks {
		offsets[i] = writeTraf(w, t)
	}
	w.End(moof)

	mdat := w.Start("mdat")
	for i, t := range tracks {
		w.PutU32(offsets[i], uint32(len(w.B)-moofStart))
		for _, s := range t.samples {
			w.Bytes(s.data)
		}
	}
	w.End(mdat)
	return w.B
}

// writeTraf writes tfhd, tfdt and trun and returns where trun's
// data_offset lives, to be patched once the moof size is known.
func writeTraf(w *mp4box.Writer, t fragmentTrack) int {
	traf := w.Start("traf")
	tfhd := w.StartFull("tfhd", 0, tfhdBaseIsMoof)
	w.U32(t.id)
	w.End(tfhd)
	tfdt := w.StartFull("tfdt", 1, 0)
	w.U64(t.baseTime)
	w.End(tfdt)

	flags := uint32(trunDataOffset | trunDuration | trunSize | trunFlags)
	var version uint8
	for _, s := range t.samples {
		if s.cts != 0 {
			flags |= trunCTS
			version = 1 // signed composition offsets
			break
		}
	}
	trun := w.StartFull("trun", version, flags)
	w.U32(uint32(len(t.samples)))
	at := len(w.B)
	w.U32(0) // data_offset, patched
	for _, s := range t.samples {
		w.U32(s.duration)
		w.U32(uint32(len(s.data)))
		if s.key {
			w.U32(flagsSync)
		} else {
			w.U32(flagsNonSync)
		}
		if flags&trunCTS != 0 {
			w.U32(uint32(s.cts))
		}
	}
	w.End(trun)
	w.End(traf)
	return at
}
