package remux

import (
	"math"
	"time"
)

// movieTimescale is the mvhd timescale: milliseconds.
const movieTimescale = 1000

// outTrack is a track with its place on the movie timeline.
type outTrack struct {
	*track
	delay time.Duration // empty edit before the first sample
}

func (t outTrack) duration() time.Duration {
	return t.delay + toDuration(t.mediaDuration(), t.info.timescale)
}

// writeFtyp writes the ftyp of a plain ISO MP4 with H.264.
func writeFtyp(w *writer) {
	at := w.start("ftyp")
	w.str("isom")
	w.u32(0x200)
	for _, b := range []string{"isom", "iso2", "avc1", "mp41"} {
		w.str(b)
	}
	w.end(at)
}

// writeMoov writes the moov; chunk offsets are base plus each chunk's
// offset in the mdat payload, 64-bit when co64 is set.
func writeMoov(w *writer, tracks []outTrack, movie time.Duration, base int64, co64 bool) {
	at := w.start("moov")
	writeMvhd(w, tracks, toMovie(movie))
	for _, t := range tracks {
		writeTrak(w, t, base, co64)
	}
	w.end(at)
}

func writeMvhd(w *writer, tracks []outTrack, duration uint64) {
	v1 := needsV1(duration)
	at := w.startFull("mvhd", version(v1), 0)
	w.versioned(v1, 0) // creation_time
	w.versioned(v1, 0) // modification_time
	w.u32(movieTimescale)
	w.versioned(v1, duration)
	w.u32(0x00010000) // rate 1.0
	w.u16(0x0100)     // volume 1.0
	w.zeros(10)
	w.matrix()
	w.zeros(24)
	var next uint32
	for _, t := range tracks {
		next = max(next, t.info.id)
	}
	w.u32(next + 1)
	w.end(at)
}

func version(v1 bool) uint8 {
	if v1 {
		return 1
	}
	return 0
}

func writeTrak(w *writer, t outTrack, base int64, co64 bool) {
	at := w.start("trak")
	writeTkhd(w, t)
	writeEdts(w, t)
	mdia := w.start("mdia")
	writeMdhd(w, t)
	writeHdlr(w, t.video())
	writeMinf(w, t, base, co64)
	w.end(mdia)
	w.end(at)
}

func writeTkhd(w *writer, t outTrack) {
	d := toMovie(t.duration())
	v1 := needsV1(d)
	at := w.startFull("tkhd", version(v1), 3) // enabled, in movie
	w.versioned(v1, 0)
	w.versioned(v1, 0)
	w.u32(t.info.id)
	w.u32(0)
	w.versioned(v1, d)
	w.zeros(8)
	w.u16(0) // layer
	w.u16(0) // alternate_group
	w.u16(t.info.volume)
	w.u16(0)
	w.matrix()
	w.u32(t.info.width)
	w.u32(t.info.height)
	w.end(at)
}

// writeEdts shifts a track that starts later than the earliest track with
// an empty edit followed by the whole media (media_time 0). This keeps the
// A/V offset the segments had (presentation = tfdt + cts, relative to the
// earliest first tfdt of all tracks); ffmpeg and browsers honour empty
// edits. Tracks without a delay get no edit list, so their composition
// offsets play as they did in the segments.
func writeEdts(w *writer, t outTrack) {
	delay := toMovie(t.delay)
	if delay == 0 {
		return
	}
	media := toMovie(toDuration(t.mediaDuration(), t.info.timescale))
	v1 := needsV1(delay, media)
	edts := w.start("edts")
	at := w.startFull("elst", version(v1), 0)
	w.u32(2)
	w.versioned(v1, delay)
	if v1 {
		w.u64(math.MaxUint64) // media_time -1: empty edit
	} else {
		w.u32(math.MaxUint32)
	}
	w.u32(0x00010000) // media_rate 1.0
	w.versioned(v1, media)
	w.versioned(v1, 0)
	w.u32(0x00010000)
	w.end(at)
	w.end(edts)
}

func writeMdhd(w *writer, t outTrack) {
	d := t.mediaDuration()
	v1 := needsV1(d)
	at := w.startFull("mdhd", version(v1), 0)
	w.versioned(v1, 0)
	w.versioned(v1, 0)
	w.u32(t.info.timescale)
	w.versioned(v1, d)
	w.u16(t.info.language)
	w.u16(0)
	w.end(at)
}

func writeHdlr(w *writer, video bool) {
	at := w.startFull("hdlr", 0, 0)
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
	w.end(at)
}

func writeMinf(w *writer, t outTrack, base int64, co64 bool) {
	minf := w.start("minf")
	if t.video() {
		at := w.startFull("vmhd", 0, 1)
		w.zeros(8)
		w.end(at)
	} else {
		at := w.startFull("smhd", 0, 0)
		w.zeros(4)
		w.end(at)
	}
	dinf := w.start("dinf")
	dref := w.startFull("dref", 0, 0)
	w.u32(1)
	url := w.startFull("url ", 0, 1) // media in this file
	w.end(url)
	w.end(dref)
	w.end(dinf)
	writeStbl(w, t, base, co64)
	w.end(minf)
}
