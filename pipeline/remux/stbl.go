package remux

import "github.com/roomcast/roomcast/pipeline/mp4box"
import "math"

// writeStbl writes the sample table (§8.5): stsd, stts, ctts, stss,
// stsz, stsc and stco or co64.
func writeStbl(w *mp4box.Writer, t outTrack, base int64, co64 bool) {
	stbl := w.Start("stbl")
	writeStsd(w, t.entries)
	writeStts(w, t.durations)
	writeCtts(w, t.cts)
	if t.video() {
		writeStss(w, t.syncs)
	}
	writeStsz(w, t.sizes)
	writeStsc(w, t.chunks)
	writeStco(w, t.chunks, base, co64)
	w.End(stbl)
}

func writeStsd(w *mp4box.Writer, entries [][]byte) {
	at := w.StartFull("stsd", 0, 0)
	w.U32(uint32(len(entries)))
	for _, e := range entries {
		w.Bytes(e)
	}
	w.End(at)
}

// runLengths groups equal consecutive values: (count, value) pairs.
func runLengths[T comparable](values []T, emit func(count uint32, v T)) {
	for i := 0; i < len(values); {
		j := i + 1
		for j < len(values) && values[j] == values[i] {
			j++
		}
		emit(uint32(j-i), values[i])
		i = j
	}
}

func countRuns[T comparable](values []T) uint32 {
	var n uint32
	runLengths(values, func(uint32, T) { n++ })
	return n
}

func writeStts(w *mp4box.Writer, durations []uint32) {
	at := w.StartFull("stts", 0, 0)
	w.U32(countRuns(durations))
	runLengths(durations, func(n uint32, d uint32) {
		w.U32(n)
		w.U32(d)
	})
	w.End(at)
}

// writeCtts writes composition offsets when any is nonzero: version 0
// when all are non-negative, else version 1 (signed).
func writeCtts(w *mp4box.Writer, cts []int32) {
	nonzero, negative := false, false
	for _, c := range cts {
		nonzero = nonzero || c != 0
		negative = negative || c < 0
	}
	if !nonzero {
		return
	}
	at := w.StartFull("ctts", version(negative), 0)
	w.U32(countRuns(cts))
	runLengths(cts, func(n uint32, c int32) {
		w.U32(n)
		w.U32(uint32(c))
	})
	w.End(at)
}

func writeStss(w *mp4box.Writer, syncs []uint32) {
	at := w.StartFull("stss", 0, 0)
	w.U32(uint32(len(syncs)))
	for _, s := range syncs {
		w.U32(s)
	}
	w.End(at)
}

func writeStsz(w *mp4box.Writer, sizes []uint32) {
	at := w.StartFull("stsz", 0, 0)
	w.U32(0) // sizes vary
	w.U32(uint32(len(sizes)))
	for _, s := range sizes {
		w.U32(s)
	}
	w.End(at)
}

// writeStsc writes one entry per change of samples-per-chunk or sample
// description.
func writeStsc(w *mp4box.Writer, chunks []chunk) {
	at := w.StartFull("stsc", 0, 0)
	count := len(w.B)
	w.U32(0)
	var n uint32
	for i, c := range chunks {
		if i > 0 && c.samples == chunks[i-1].samples && c.sdi == chunks[i-1].sdi {
			continue
		}
		w.U32(uint32(i + 1))
		w.U32(c.samples)
		w.U32(c.sdi)
		n++
	}
	w.PutU32(count, n)
	w.End(at)
}

func writeStco(w *mp4box.Writer, chunks []chunk, base int64, co64 bool) {
	typ := "stco"
	if co64 {
		typ = "co64"
	}
	at := w.StartFull(typ, 0, 0)
	w.U32(uint32(len(chunks)))
	for _, c := range chunks {
		w.Versioned(co64, uint64(base+c.offset))
	}
	w.End(at)
}

// needsCo64 tells whether a chunk offset exceeds 32 bits.
func needsCo64(tracks []outTrack, base int64) bool {
	for _, t := range tracks {
		for _, c := range t.chunks {
			if base+c.offset > math.MaxUint32 {
				return true
			}
		}
	}
	return false
}
