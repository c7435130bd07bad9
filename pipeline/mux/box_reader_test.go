package mux

import (
	"encoding/binary"
	"testing"
)

// box is one parsed ISO BMFF box, for tests.
type box struct {
	typ     string
	start   int    // offset of the header in the parsed buffer
	payload []byte // after the size and type
}

func readBoxes(t *testing.T, b []byte, base int) []box {
	t.Helper()
	var out []box
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			t.Fatalf("truncated box header at %d", base+off)
		}
		size := int(binary.BigEndian.Uint32(b[off:]))
		if size < 8 || off+size > len(b) {
			t.Fatalf("bad box size %d at %d", size, base+off)
		}
		out = append(out, box{typ: string(b[off+4 : off+8]), start: base + off, payload: b[off+8 : off+size]})
		off += size
	}
	return out
}

// find returns the boxes at a path like "moof/traf/trun".
func findBoxes(t *testing.T, b []byte, path ...string) []box {
	t.Helper()
	level := []box{{payload: b, start: -8}} // the root has no header
	containerSkip := map[string]int{"stsd": 8, "avc1": 78, "mp4a": 28}
	for _, name := range path {
		var next []box
		for _, parent := range level {
			skip := containerSkip[parent.typ]
			for _, c := range readBoxes(t, parent.payload[skip:], parent.start+8+skip) {
				if c.typ == name {
					next = append(next, c)
				}
			}
		}
		level = next
	}
	return level
}

// trunSample is one parsed trun entry.
type trunSample struct {
	duration, size, flags uint32
	cts                   int32
}

func parseTrun(t *testing.T, p []byte) (dataOffset int32, samples []trunSample) {
	t.Helper()
	flags := binary.BigEndian.Uint32(p) & 0xFFFFFF
	n := int(binary.BigEndian.Uint32(p[4:]))
	off := 8
	if flags&trunDataOffset != 0 {
		dataOffset = int32(binary.BigEndian.Uint32(p[off:]))
		off += 4
	}
	for range n {
		var s trunSample
		for _, f := range []uint32{trunDuration, trunSize, trunFlags, trunCTS} {
			if flags&f == 0 {
				continue
			}
			v := binary.BigEndian.Uint32(p[off:])
			off += 4
			switch f {
			case trunDuration:
				s.duration = v
			case trunSize:
				s.size = v
			case trunFlags:
				s.flags = v
			case trunCTS:
				s.cts = int32(v)
			}
		}
		samples = append(samples, s)
	}
	if off != len(p) {
		t.Fatalf("trun: %d bytes left over", len(p)-off)
	}
	return dataOffset, samples
}
