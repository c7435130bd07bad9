package remux

import (
	"bytes"
	"fmt"
)

// initTrack is what the output needs from one trak of an init segment.
type initTrack struct {
	id        uint32
	handler   string // "vide" or "soun"
	timescale uint32
	language  uint16
	volume    uint16
	width     uint32 // 16.16 fixed point, from tkhd
	height    uint32
	entries   [][]byte // stsd sample entries, whole boxes
	trex      trex
}

// trex holds a track's fragment defaults (§8.8.3).
type trex struct {
	sdi, duration, size, flags uint32
}

// initSegment is a parsed ftyp + moov.
type initSegment struct {
	tracks []*initTrack // in trak order
}

func (s *initSegment) track(id uint32) *initTrack {
	for _, t := range s.tracks {
		if t.id == id {
			return t
		}
	}
	return nil
}

// parseInit parses an init segment's moov: the tracks with their
// timescales, sample entries and trex defaults.
func parseInit(b []byte) (*initSegment, error) {
	moov, err := path(b, "moov")
	if err != nil {
		return nil, err
	}
	boxes, err := children(moov.payload)
	if err != nil {
		return nil, err
	}
	seg := &initSegment{}
	for _, bx := range boxes {
		if bx.typ != "trak" {
			continue
		}
		t, err := parseTrak(bx.payload)
		if err != nil {
			return nil, err
		}
		if seg.track(t.id) != nil {
			return nil, fmt.Errorf("track %d twice: %w", t.id, ErrMalformed)
		}
		seg.tracks = append(seg.tracks, t)
	}
	if len(seg.tracks) == 0 {
		return nil, fmt.Errorf("moov without tracks: %w", ErrMalformed)
	}
	return seg, parseMvex(moov.payload, seg)
}

func parseTrak(b []byte) (*initTrack, error) {
	t := &initTrack{trex: trex{sdi: 1}}
	tkhd, err := path(b, "tkhd")
	if err != nil {
		return nil, err
	}
	if err := parseTkhd(tkhd.payload, t); err != nil {
		return nil, err
	}
	if err := parseMdia(b, t); err != nil {
		return nil, fmt.Errorf("track %d: %w", t.id, err)
	}
	return t, nil
}

func parseTkhd(b []byte, t *initTrack) error {
	c := &cursor{b: b, in: "tkhd"}
	v, _ := c.full()
	if v > 1 {
		return fmt.Errorf("tkhd version %d: %w", v, ErrMalformed)
	}
	c.versioned(v) // creation_time
	c.versioned(v) // modification_time
	t.id = c.u32()
	c.u32()        // reserved
	c.versioned(v) // duration
	c.take(8 + 2 + 2)
	t.volume = c.u16()
	c.take(2 + 36)
	t.width, t.height = c.u32(), c.u32()
	if c.err == nil && t.id == 0 {
		return fmt.Errorf("tkhd track_ID 0: %w", ErrMalformed)
	}
	return c.err
}

func parseMdia(b []byte, t *initTrack) error {
	mdhd, err := path(b, "mdia", "mdhd")
	if err != nil {
		return err
	}
	c := &cursor{b: mdhd.payload, in: "mdhd"}
	v, _ := c.full()
	c.versioned(v)
	c.versioned(v)
	t.timescale = c.u32()
	c.versioned(v)
	t.language = c.u16()
	if c.err != nil {
		return c.err
	}
	if t.timescale == 0 {
		return fmt.Errorf("mdhd timescale 0: %w", ErrMalformed)
	}
	hdlr, err := path(b, "mdia", "hdlr")
	if err != nil {
		return err
	}
	if len(hdlr.payload) < 12 {
		return fmt.Errorf("short hdlr: %w", ErrMalformed)
	}
	t.handler = string(hdlr.payload[8:12])
	if t.handler != "vide" && t.handler != "soun" {
		return fmt.Errorf("handler %q: %w", t.handler, ErrUnsupported)
	}
	return parseStsd(b, t)
}

func parseStsd(b []byte, t *initTrack) error {
	stsd, err := path(b, "mdia", "minf", "stbl", "stsd")
	if err != nil {
		return err
	}
	c := &cursor{b: stsd.payload, in: "stsd"}
	c.full()
	n := c.u32()
	if c.err != nil {
		return c.err
	}
	rest := c.b
	for range n {
		bx, err := nextBox(rest)
		if err != nil {
			return fmt.Errorf("stsd entry: %w", err)
		}
		t.entries = append(t.entries, bytes.Clone(rest[:bx.size]))
		rest = rest[bx.size:]
	}
	if len(t.entries) == 0 {
		return fmt.Errorf("stsd without entries: %w", ErrMalformed)
	}
	return nil
}

// parseMvex reads the trex defaults; a moov without mvex keeps them zero.
func parseMvex(moov []byte, seg *initSegment) error {
	mvex, ok, err := child(moov, "mvex")
	if err != nil || !ok {
		return err
	}
	boxes, err := children(mvex.payload)
	if err != nil {
		return err
	}
	for _, bx := range boxes {
		if bx.typ != "trex" {
			continue
		}
		c := &cursor{b: bx.payload, in: "trex"}
		c.full()
		id := c.u32()
		d := trex{sdi: c.u32(), duration: c.u32(), size: c.u32(), flags: c.u32()}
		if c.err != nil {
			return c.err
		}
		if t := seg.track(id); t != nil {
			t.trex = d
		}
	}
	return nil
}

// sameLayout checks that two inits have the same tracks with the same
// handlers, timescales and codecs, so their samples can share a trak.
func sameLayout(a, b *initSegment) error {
	if len(a.tracks) != len(b.tracks) {
		return fmt.Errorf("%d tracks vs %d: %w", len(a.tracks), len(b.tracks), ErrInconsistentInit)
	}
	for _, ta := range a.tracks {
		tb := b.track(ta.id)
		switch {
		case tb == nil:
			return fmt.Errorf("track %d missing: %w", ta.id, ErrInconsistentInit)
		case ta.handler != tb.handler:
			return fmt.Errorf("track %d: handler %q vs %q: %w", ta.id, ta.handler, tb.handler, ErrInconsistentInit)
		case ta.timescale != tb.timescale:
			return fmt.Errorf("track %d: timescale %d vs %d: %w", ta.id, ta.timescale, tb.timescale, ErrInconsistentInit)
		case string(ta.entries[0][4:8]) != string(tb.entries[0][4:8]):
			return fmt.Errorf("track %d: codec %q vs %q: %w", ta.id, ta.entries[0][4:8], tb.entries[0][4:8], ErrInconsistentInit)
		}
	}
	return nil
}
