package mux

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
	w := &boxWriter{}
	styp := w.start("styp")
	w.str("msdh")
	w.u32(0)
	w.str("msdh")
	w.str("iso6")
	w.end(styp)

	moofStart := len(w.b)
	moof := w.start("moof")
	mfhd := w.startFull("mfhd", 0, 0)
	w.u32(seq)
	w.end(mfhd)
	offsets := make([]int, len(tracks))
	for i, t := range tracks {
		offsets[i] = writeTraf(w, t)
	}
	w.end(moof)

	mdat := w.start("mdat")
	for i, t := range tracks {
		w.putU32(offsets[i], uint32(len(w.b)-moofStart))
		for _, s := range t.samples {
			w.bytes(s.data)
		}
	}
	w.end(mdat)
	return w.b
}

// writeTraf writes tfhd, tfdt and trun and returns where trun's
// data_offset lives, to be patched once the moof size is known.
func writeTraf(w *boxWriter, t fragmentTrack) int {
	traf := w.start("traf")
	tfhd := w.startFull("tfhd", 0, tfhdBaseIsMoof)
	w.u32(t.id)
	w.end(tfhd)
	tfdt := w.startFull("tfdt", 1, 0)
	w.u64(t.baseTime)
	w.end(tfdt)

	flags := uint32(trunDataOffset | trunDuration | trunSize | trunFlags)
	var version uint8
	for _, s := range t.samples {
		if s.cts != 0 {
			flags |= trunCTS
			version = 1 // signed composition offsets
			break
		}
	}
	trun := w.startFull("trun", version, flags)
	w.u32(uint32(len(t.samples)))
	at := len(w.b)
	w.u32(0) // data_offset, patched
	for _, s := range t.samples {
		w.u32(s.duration)
		w.u32(uint32(len(s.data)))
		if s.key {
			w.u32(flagsSync)
		} else {
			w.u32(flagsNonSync)
		}
		if flags&trunCTS != 0 {
			w.u32(uint32(s.cts))
		}
	}
	w.end(trun)
	w.end(traf)
	return at
}
