package remux

import (
	"encoding/binary"
	"testing"
)

// stblOf returns the payload of each trak's stbl child box typ (nil when
// the box is absent).
func stblOf(t *testing.T, out []byte, typ string) [][]byte {
	t.Helper()
	moov, err := path(out, "moov")
	if err != nil {
		t.Fatal(err)
	}
	traks, err := children(moov.payload)
	if err != nil {
		t.Fatal(err)
	}
	var all [][]byte
	for _, trak := range traks {
		if trak.typ != "trak" {
			continue
		}
		stbl, err := path(trak.payload, "mdia", "minf", "stbl")
		if err != nil {
			t.Fatal(err)
		}
		bx, ok, err := child(stbl.payload, typ)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			all = append(all, bx.payload)
		} else {
			all = append(all, nil)
		}
	}
	return all
}

func u32s(b []byte) []uint32 {
	var v []uint32
	for ; len(b) >= 4; b = b[4:] {
		v = append(v, binary.BigEndian.Uint32(b))
	}
	return v
}

// TestSampleTables checks the tables of the synthetic recording: 90
// video frames with PTS two frames after DTS and a keyframe each second,
// one chunk per segment and track.
func TestSampleTables(t *testing.T) {
	rec := synthRecording(t)
	_, out := buildBytes(t, rec.segs, rec.fetch)

	ctts := stblOf(t, out, "ctts")
	if ctts[0] == nil || ctts[1] != nil {
		t.Fatalf("ctts present: video %v, audio %v; want video only", ctts[0] != nil, ctts[1] != nil)
	}
	if v := u32s(ctts[0]); v[0] != 0 || v[1] != 1 || v[2] != 90 || v[3] != 6000 {
		t.Errorf("video ctts %v, want version 0, one run of 90 × 6000", v[:4])
	}
	stss := stblOf(t, out, "stss")
	if stss[1] != nil {
		t.Error("audio has an stss")
	}
	if v := u32s(stss[0]); len(v) != 5 || v[1] != 3 || v[2] != 1 || v[3] != 31 || v[4] != 61 {
		t.Errorf("video stss %v, want 3 sync samples 1, 31, 61", v)
	}
	stsz := stblOf(t, out, "stsz")
	stco := stblOf(t, out, "stco")
	for i, want := range []uint32{90, 0} {
		if n := u32s(stsz[i])[2]; want != 0 && n != want {
			t.Errorf("track %d: %d samples, want %d", i, n, want)
		}
		if n := u32s(stco[i])[1]; int(n) != len(rec.segs) {
			t.Errorf("track %d: %d chunks, want one per segment (%d)", i, n, len(rec.segs))
		}
		for _, off := range u32s(stco[i])[2:] {
			if int(off) >= len(out) {
				t.Errorf("track %d: chunk offset %d beyond the file", i, off)
			}
		}
	}
	// The first video chunk holds the first frame's bytes: a keyframe,
	// which starts with its SPS in band (then the PPS and the IDR).
	first := u32s(stco[0])[2]
	if got := out[first+4] & 0x1F; got != 7 {
		t.Errorf("first video sample starts with NAL type %d, want the SPS (7) of a keyframe", got)
	}
}
