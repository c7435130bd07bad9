package remux

import (
	"fmt"
	"io"
)

// Limits against absurd or hostile input.
const (
	maxHead       = 64 << 20   // bytes of boxes before mdat in a media segment
	maxInit       = 16 << 20   // bytes of an init segment
	maxRunSamples = 10_000_000 // samples of one trun
	// maxDefaultSamples bounds a trun without per-sample fields, whose
	// count nothing else in the moof checks.
	maxDefaultSamples = 1 << 16
)

// tfhd flags (§8.8.7) and trun flags (§8.8.8).
const (
	tfhdBaseOffset  = 0x000001
	tfhdSDI         = 0x000002
	tfhdDuration    = 0x000008
	tfhdSize        = 0x000010
	tfhdFlags       = 0x000020
	tfhdBaseIsMoof  = 0x020000
	trunDataOffset  = 0x000001
	trunFirstFlags  = 0x000004
	trunDuration    = 0x000100
	trunSize        = 0x000200
	trunFlags       = 0x000400
	trunCTS         = 0x000800
	sampleIsNonSync = 0x00010000
)

// fragment is the head of one media segment: where its mdat payload lies
// in the stored object and the sample runs that point into it.
type fragment struct {
	mdatStart, mdatSize int64 // payload offset and length in the object
	runs                []run
}

// run is one trun: consecutive samples of one track, contiguous in mdat.
type run struct {
	trackID  uint32
	sdi      uint32 // sample description index (1-based, of the init)
	baseTime uint64 // tfdt of the traf
	hasBase  bool
	start    int64 // absolute offset of the first sample in the object
	samples  []sampleInfo
}

type sampleInfo struct {
	duration, size uint32
	cts            int32
	sync           bool
}

// parseFragment reads a segment's head from r and parses its moof
// against the init's trex defaults (nil: all zero).
func parseFragment(r io.Reader, init *initSegment) (*fragment, error) {
	h, err := readHead(r)
	if err != nil {
		return nil, err
	}
	f := &fragment{mdatStart: h.mdatStart, mdatSize: h.mdatSize}
	boxes, err := children(h.moof)
	if err != nil {
		return nil, fmt.Errorf("moof: %w", err)
	}
	prevEnd := h.moofStart
	first := true
	for _, bx := range boxes {
		if bx.typ != "traf" {
			continue
		}
		runs, end, err := parseTraf(bx.payload, init, h, prevEnd, first)
		if err != nil {
			return nil, fmt.Errorf("traf: %w", err)
		}
		f.runs = append(f.runs, runs...)
		prevEnd, first = end, false
	}
	return f, f.check()
}

// check makes sure every run lies inside the mdat payload.
func (f *fragment) check() error {
	end := f.mdatStart + f.mdatSize
	for _, r := range f.runs {
		n := r.bytes()
		if r.start < f.mdatStart || r.start > end || n > end-r.start {
			return fmt.Errorf("track %d: %d bytes at %d outside mdat [%d,%d): %w",
				r.trackID, n, r.start, f.mdatStart, end, ErrMalformed)
		}
	}
	return nil
}

func (r *run) bytes() int64 {
	var n int64
	for _, s := range r.samples {
		n += int64(s.size)
	}
	return n
}

func (r *run) duration() uint64 {
	var d uint64
	for _, s := range r.samples {
		d += uint64(s.duration)
	}
	return d
}

// tfhd is a traf's header with defaults resolved against trex.
type tfhd struct {
	trackID uint32
	base    int64
	def     trex
}

func parseTfhd(b []byte, init *initSegment, moofStart, prevEnd int64, first bool) (tfhd, error) {
	c := &cursor{b: b, in: "tfhd"}
	_, flags := c.full()
	h := tfhd{trackID: c.u32()}
	if init != nil {
		t := init.track(h.trackID)
		if t == nil && c.err == nil {
			return h, fmt.Errorf("track %d: %w", h.trackID, ErrUnknownTrack)
		}
		if t != nil {
			h.def = t.trex
		}
	}
	h.base = prevEnd
	if first || flags&tfhdBaseIsMoof != 0 {
		h.base = moofStart
	}
	if flags&tfhdBaseOffset != 0 {
		v := c.u64()
		if v > 1<<62 {
			return h, fmt.Errorf("base_data_offset %d: %w", v, ErrMalformed)
		}
		h.base = int64(v)
	}
	if flags&tfhdSDI != 0 {
		h.def.sdi = c.u32()
	}
	if flags&tfhdDuration != 0 {
		h.def.duration = c.u32()
	}
	if flags&tfhdSize != 0 {
		h.def.size = c.u32()
	}
	if flags&tfhdFlags != 0 {
		h.def.flags = c.u32()
	}
	return h, c.err
}

// parseTraf returns the traf's runs and where its data ends.
func parseTraf(b []byte, init *initSegment, hd head, prevEnd int64, first bool) ([]run, int64, error) {
	boxes, err := children(b)
	if err != nil {
		return nil, 0, err
	}
	if len(boxes) == 0 || boxes[0].typ != "tfhd" {
		return nil, 0, fmt.Errorf("traf does not start with tfhd: %w", ErrMalformed)
	}
	h, err := parseTfhd(boxes[0].payload, init, hd.moofStart, prevEnd, first)
	if err != nil {
		return nil, 0, err
	}
	var base uint64
	hasBase := false
	var runs []run
	next := h.base
	for _, bx := range boxes[1:] {
		switch bx.typ {
		case "tfdt":
			if base, err = parseTfdt(bx.payload); err != nil {
				return nil, 0, err
			}
			hasBase = true
		case "trun":
			r, err := parseTrun(bx.payload, h, next, hd.mdatSize)
			if err != nil {
				return nil, 0, fmt.Errorf("track %d: %w", h.trackID, err)
			}
			next = r.start + r.bytes()
			runs = append(runs, r)
		}
	}
	// tfdt gives the first run's decode time; later runs follow it.
	for i := range runs {
		runs[i].baseTime, runs[i].hasBase = base, hasBase
		base += runs[i].duration()
	}
	return runs, next, nil
}

func parseTfdt(b []byte) (uint64, error) {
	c := &cursor{b: b, in: "tfdt"}
	v, _ := c.full()
	if v > 1 {
		return 0, fmt.Errorf("tfdt version %d: %w", v, ErrMalformed)
	}
	t := c.versioned(v)
	return t, c.err
}

// parseTrun reads one trun; next is where its data starts when it has no
// data_offset (right after the previous run). Sample counts are bounded
// by the trun's own bytes or, when sizes come from defaults, by mdat.
func parseTrun(b []byte, h tfhd, next, mdatSize int64) (run, error) {
	c := &cursor{b: b, in: "trun"}
	_, flags := c.full()
	n := c.u32()
	r := run{trackID: h.trackID, sdi: h.def.sdi, start: next}
	if flags&trunDataOffset != 0 {
		r.start = h.base + int64(int32(c.u32()))
	}
	firstFlags, hasFirst := h.def.flags, flags&trunFirstFlags != 0
	if hasFirst {
		firstFlags = c.u32()
	}
	if c.err != nil {
		return r, c.err
	}
	if n > maxRunSamples || uint64(n)*uint64(entrySize(flags)) > uint64(len(c.b)) {
		return r, fmt.Errorf("%d samples in %d bytes: %w", n, len(c.b), ErrMalformed)
	}
	if entrySize(flags) == 0 && n > maxDefaultSamples {
		return r, fmt.Errorf("%d samples without a table: %w", n, ErrMalformed)
	}
	if n > 0 && flags&trunSize == 0 && (h.def.size == 0 || uint64(n)*uint64(h.def.size) > uint64(mdatSize)) {
		return r, fmt.Errorf("%d samples of default size %d in an mdat of %d bytes: %w", n, h.def.size, mdatSize, ErrMalformed)
	}
	r.samples = make([]sampleInfo, n)
	for i := range r.samples {
		s := sampleInfo{duration: h.def.duration, size: h.def.size}
		sf := h.def.flags
		if i == 0 && hasFirst {
			sf = firstFlags
		}
		if flags&trunDuration != 0 {
			s.duration = c.u32()
		}
		if flags&trunSize != 0 {
			s.size = c.u32()
		}
		if flags&trunFlags != 0 {
			sf = c.u32()
		}
		if flags&trunCTS != 0 {
			s.cts = int32(c.u32()) // version 0 is unsigned; values above 2^31 do not occur in practice
		}
		s.sync = sf&sampleIsNonSync == 0
		r.samples[i] = s
	}
	return r, c.err
}

func entrySize(flags uint32) int {
	n := 0
	for _, f := range []uint32{trunDuration, trunSize, trunFlags, trunCTS} {
		if flags&f != 0 {
			n += 4
		}
	}
	return n
}
