package remux

import (
	"fmt"
	"math"
	"time"
)

// track is one output trak being filled from the segments' runs.
type track struct {
	info    *initTrack // from the first init, for tkhd/mdhd fields
	entries [][]byte   // distinct sample entries, stsd order

	durations []uint32
	sizes     []uint32
	cts       []int32
	syncs     []uint32 // 1-based sample numbers
	chunks    []chunk

	started  bool
	firstDTS uint64 // decode time of the first sample (tfdt)
	nextDTS  uint64 // decode time after the last sample
}

// chunk is one run of samples, contiguous in the output mdat.
type chunk struct {
	offset  int64 // from the start of the output mdat payload
	samples uint32
	sdi     uint32 // 1-based index into track.entries
}

// entryIndex returns the 1-based stsd index of a sample entry, adding it
// when no byte-identical entry is there yet.
func (t *track) entryIndex(entry []byte) uint32 {
	for i, e := range t.entries {
		if string(e) == string(entry) {
			return uint32(i + 1)
		}
	}
	t.entries = append(t.entries, entry)
	return uint32(len(t.entries))
}

// add appends a run whose data starts at offset in the output mdat
// payload. A run starting after the previous one ended (a missing
// segment) stretches the previous sample to cover the gap, so later
// samples keep their decode times; a run starting earlier (overlap)
// shortens it as far as it can.
func (t *track) add(r run, offset int64, sdi uint32) error {
	if len(r.samples) == 0 {
		return nil
	}
	dts := t.nextDTS
	if r.hasBase {
		dts = r.baseTime
	}
	if !t.started {
		t.started, t.firstDTS = true, dts
	} else if err := t.bridge(dts); err != nil {
		return err
	}
	if len(t.durations)+len(r.samples) > math.MaxUint32 {
		return fmt.Errorf("track %d: too many samples: %w", t.info.id, ErrMalformed)
	}
	t.chunks = append(t.chunks, chunk{offset: offset, samples: uint32(len(r.samples)), sdi: sdi})
	for _, s := range r.samples {
		if s.sync {
			t.syncs = append(t.syncs, uint32(len(t.durations)+1))
		}
		t.durations = append(t.durations, s.duration)
		t.sizes = append(t.sizes, s.size)
		t.cts = append(t.cts, s.cts)
	}
	t.nextDTS = dts + r.duration()
	return nil
}

// bridge moves the end of the last sample to dts.
func (t *track) bridge(dts uint64) error {
	last := &t.durations[len(t.durations)-1]
	switch {
	case dts > t.nextDTS:
		gap := dts - t.nextDTS
		if gap > math.MaxUint32-uint64(*last) {
			return fmt.Errorf("track %d: gap of %d ticks: %w", t.info.id, gap, ErrMalformed)
		}
		*last += uint32(gap)
	case dts < t.nextDTS:
		// Samples cannot go back in time in stts; keep at least one tick.
		cut := min(t.nextDTS-dts, uint64(*last)-min(uint64(*last), 1))
		*last -= uint32(cut)
	}
	t.nextDTS = dts
	return nil
}

// mediaDuration is the sum of the sample durations in the track's timescale.
func (t *track) mediaDuration() uint64 {
	var d uint64
	for _, v := range t.durations {
		d += uint64(v)
	}
	return d
}

func (t *track) video() bool { return t.info.handler == "vide" }

// toDuration converts ticks of a timescale to a time.Duration.
func toDuration(ticks uint64, timescale uint32) time.Duration {
	ts := uint64(timescale)
	return time.Duration(ticks/ts)*time.Second + time.Duration(ticks%ts)*time.Second/time.Duration(ts)
}

// toMovie converts a duration to the movie timescale (ms), rounding.
func toMovie(d time.Duration) uint64 {
	tick := time.Second / movieTimescale
	return uint64((d + tick/2) / tick)
}
