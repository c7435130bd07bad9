package remux

import "math"

// writeStbl writes the sample table (§8.5): stsd, stts, ctts, stss,
// stsz, stsc and stco or co64.
func writeStbl(w *writer, t outTrack, base int64, co64 bool) {
	stbl := w.start("stbl")
	writeStsd(w, t.entries)
	writeStts(w, t.durations)
	writeCtts(w, t.cts)
	if t.video() {
		writeStss(w, t.syncs)
	}
	writeStsz(w, t.sizes)
	writeStsc(w, t.chunks)
	writeStco(w, t.chunks, base, co64)
	w.end(stbl)
}

func writeStsd(w *writer, entries [][]byte) {
	at := w.startFull("stsd", 0, 0)
	w.u32(uint32(len(entries)))
	for _, e := range entries {
		w.bytes(e)
	}
	w.end(at)
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

func writeStts(w *writer, durations []uint32) {
	at := w.startFull("stts", 0, 0)
	w.u32(countRuns(durations))
	runLengths(durations, func(n uint32, d uint32) {
		w.u32(n)
		w.u32(d)
	})
	w.end(at)
}

// writeCtts writes composition offsets when any is nonzero: version 0
// when all are non-negative, else version 1 (signed).
func writeCtts(w *writer, cts []int32) {
	nonzero, negative := false, false
	for _, c := range cts {
		nonzero = nonzero || c != 0
		negative = negative || c < 0
	}
	if !nonzero {
		return
	}
	at := w.startFull("ctts", version(negative), 0)
	w.u32(countRuns(cts))
	runLengths(cts, func(n uint32, c int32) {
		w.u32(n)
		w.u32(uint32(c))
	})
	w.end(at)
}

func writeStss(w *writer, syncs []uint32) {
	at := w.startFull("stss", 0, 0)
	w.u32(uint32(len(syncs)))
	for _, s := range syncs {
		w.u32(s)
	}
	w.end(at)
}

func writeStsz(w *writer, sizes []uint32) {
	at := w.startFull("stsz", 0, 0)
	w.u32(0) // sizes vary
	w.u32(uint32(len(sizes)))
	for _, s := range sizes {
		w.u32(s)
	}
	w.end(at)
}

// writeStsc writes one entry per change of samples-per-chunk or sample
// description.
func writeStsc(w *writer, chunks []chunk) {
	at := w.startFull("stsc", 0, 0)
	count := len(w.b)
	w.u32(0)
	var n uint32
	for i, c := range chunks {
		if i > 0 && c.samples == chunks[i-1].samples && c.sdi == chunks[i-1].sdi {
			continue
		}
		w.u32(uint32(i + 1))
		w.u32(c.samples)
		w.u32(c.sdi)
		n++
	}
	putU32(w.b[count:], n)
	w.end(at)
}

func writeStco(w *writer, chunks []chunk, base int64, co64 bool) {
	typ := "stco"
	if co64 {
		typ = "co64"
	}
	at := w.startFull(typ, 0, 0)
	w.u32(uint32(len(chunks)))
	for _, c := range chunks {
		w.versioned(co64, uint64(base+c.offset))
	}
	w.end(at)
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
