package remux

import (
	"github.com/roomcast/roomcast/pipeline/mp4box"
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
func writeFtyp(w *mp4box.Writer) {
	at := w.Start("ftyp")
	w.Str("isom")
	w.U32(0x200)
	for _, b := range []string{"isom", "iso2", "avc1", "mp41"} {
		w.Str(b)
	}
	w.End(at)
}

// writeMoov writes the moov; chunk offsets are base plus each chunk's
// offset in the mdat payload, 64-bit when co64 is set.
func writeMoov(w *mp4box.Writer, tracks []outTrack, movie time.Duration, base int64, co64 bool) {
	at := w.Start("moov")
	writeMvhd(w, tracks, toMovie(movie))
	for _, t := range tracks {
		writeTrak(w, t, base, co64)
	}
	w.End(at)
}

func writeMvhd(w *mp4box.Writer, tracks []outTrack, duration uint64) {
	v1 := mp4box.NeedsV1(duration)
	at := w.StartFull("mvhd", version(v1), 0)
	w.Versioned(v1, 0) // creation_time
	w.Versioned(v1, 0) // modification_time
	w.U32(movieTimescale)
	w.Versioned(v1, duration)
	w.U32(0x00010000) // rate 1.0
	w.U16(0x0100)     // volume 1.0
	w.Zeros(10)
	w.Matrix()
	w.Zeros(24)
	var next uint32
	for _, t := range tracks {
		next = max(next, t.info.id)
	}
	w.U32(next + 1)
	w.End(at)
}

func version(v1 bool) uint8 {
	if v1 {
		return 1
	}
	return 0
}

func writeTrak(w *mp4box.Writer, t outTrack, base int64, co64 bool) {
	at := w.Start("trak")
	writeTkhd(w, t)
	writeEdts(w, t)
	mdia := w.Start("mdia")
	writeMdhd(w, t)
	w.Hdlr(t.video())
	writeMinf(w, t, base, co64)
	w.End(mdia)
	w.End(at)
}

func writeTkhd(w *mp4box.Writer, t outTrack) {
	d := toMovie(t.duration())
	v1 := mp4box.NeedsV1(d)
	at := w.StartFull("tkhd", version(v1), 3) // enabled, in movie
	w.Versioned(v1, 0)
	w.Versioned(v1, 0)
	w.U32(t.info.id)
	w.U32(0)
	w.Versioned(v1, d)
	w.Zeros(8)
	w.U16(0) // layer
	w.U16(0) // alternate_group
	w.U16(t.info.volume)
	w.U16(0)
	w.Matrix()
	w.U32(t.info.width)
	w.U32(t.info.height)
	w.End(at)
}

// writeEdts shifts a track that starts later than the earliest track with
// an empty edit followed by the whole media (media_time 0). This keeps the
// A/V offset the segments had (presentation = tfdt + cts, relative to the
// earliest first tfdt of all tracks); ffmpeg and browsers honour empty
// edits. Tracks without a delay get no edit list, so their composition
// offsets play as they did in the segments.
func writeEdts(w *mp4box.Writer, t outTrack) {
	delay := toMovie(t.delay)
	if delay == 0 {
		return
	}
	media := toMovie(toDuration(t.mediaDuration(), t.info.timescale))
	v1 := mp4box.NeedsV1(delay, media)
	edts := w.Start("edts")
	at := w.StartFull("elst", version(v1), 0)
	w.U32(2)
	w.Versioned(v1, delay)
	if v1 {
		w.U64(math.MaxUint64) // media_time -1: empty edit
	} else {
		w.U32(math.MaxUint32)
	}
	w.U32(0x00010000) // media_rate 1.0
	w.Versioned(v1, media)
	w.Versioned(v1, 0)
	w.U32(0x00010000)
	w.End(at)
	w.End(edts)
}

func writeMdhd(w *mp4box.Writer, t outTrack) {
	d := t.mediaDuration()
	v1 := mp4box.NeedsV1(d)
	at := w.StartFull("mdhd", version(v1), 0)
	w.Versioned(v1, 0)
	w.Versioned(v1, 0)
	w.U32(t.info.timescale)
	w.Versioned(v1, d)
	w.U16(t.info.language)
	w.U16(0)
	w.End(at)
}

func writeMinf(w *mp4box.Writer, t outTrack, base int64, co64 bool) {
	minf := w.Start("minf")
	w.MediaHeaderAndDinf(t.video())
	writeStbl(w, t, base, co64)
	w.End(minf)
}
