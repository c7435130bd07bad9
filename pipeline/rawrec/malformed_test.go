package rawrec

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// A 320x240 SPS and PPS from libx264 (the SPS has an emulation
// prevention byte), and a made-up IDR slice.
var (
	testSPS = mustHex("6764000dacb20283f60220000003002000000781e28549")
	testPPS = mustHex("68ebc3cb22c0")
	testIDR = mustHex("65888400ffee0123456789")
)

func annexB(nals ...[]byte) []byte {
	return bytes.Join(append([][]byte{nil}, nals...), h264.StartCode)
}

// badUnits are units no part may start with: each is dropped and
// counted. The table also seeds FuzzRecorderUnit.
var badUnits = []struct {
	name  string
	codec media.Codec
	data  []byte
}{
	{"h264 garbage", media.CodecH264, []byte("not an access unit at all")},
	{"h264 start codes only", media.CodecH264, []byte{0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1}},
	{"h264 idr without sps", media.CodecH264, annexB(testPPS, testIDR)},
	{"h264 truncated sps", media.CodecH264, annexB(testSPS[:6], testPPS, testIDR)},
	{"h264 sps only", media.CodecH264, annexB(testSPS, testPPS)},
	{"h264 sps huge width", media.CodecH264, annexB(mustHex("6742c01ef80003fffe80808080"), testPPS, testIDR)},
	{"vp8 short", media.CodecVP8, []byte{0x10, 0x02}},
	{"vp8 interframe first", media.CodecVP8, []byte{0x31, 0x02, 0x00, 0xaa, 0xbb}},
	{"vp8 keyframe truncated header", media.CodecVP8, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40}},
	{"vp8 keyframe bad start code", media.CodecVP8, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2b, 0x40, 0x01, 0xf0, 0x00}},
	{"vp8 keyframe zero size", media.CodecVP8, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0x00, 0xf0, 0x00}},
	{"opus code 3 without count", media.CodecOpus, []byte{0xfb}},
	{"opus code 3 zero frames", media.CodecOpus, []byte{0xfb, 0x00}},
	{"opus too long", media.CodecOpus, []byte{0x1b, 0x3f, 0, 0, 0}},
	{"empty h264", media.CodecH264, nil},
	{"empty vp8", media.CodecVP8, nil},
	{"empty opus", media.CodecOpus, nil},
}

// goodUnits start a part; they seed the fuzzer too.
var goodUnits = []struct {
	name  string
	codec media.Codec
	data  []byte
}{
	{"h264 idr", media.CodecH264, annexB([]byte{9, 0xf0}, testSPS, testPPS, testIDR)},
	{"vp8 keyframe", media.CodecVP8, []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0x01, 0x02}},
	{"opus 20 ms", media.CodecOpus, []byte{0xfc, 0xff, 0xfe}},
}

func TestBadUnitsDropped(t *testing.T) {
	for _, tc := range badUnits {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			r, _ := newTestRecorder(t, &c)
			tr := testTrack(tc.codec, "t", "p")
			r.TrackAdded(tr)
			r.Unit(&media.Unit{Track: tr, Key: true, Data: tc.data})
			r.TrackRemoved(tr)
			if st := r.Stats(); st.Dropped != 1 || st.Files != 0 || st.Units != 0 {
				t.Errorf("stats %+v, want one drop", st)
			}
			if len(c.files) != 0 {
				t.Errorf("files %+v", c.files)
			}
		})
	}
}

func TestGoodUnitsStartParts(t *testing.T) {
	for _, tc := range goodUnits {
		t.Run(tc.name, func(t *testing.T) {
			var c collector
			r, _ := newTestRecorder(t, &c)
			tr := testTrack(tc.codec, "t", "p")
			r.TrackAdded(tr)
			r.Unit(&media.Unit{Track: tr, Key: true, Data: tc.data})
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if st := r.Stats(); st.Dropped != 0 || st.Files != 1 || st.Units != 1 || len(c.files) != 1 {
				t.Errorf("stats %+v, files %+v", st, c.files)
			}
		})
	}
}

func TestDropsOrderAndSize(t *testing.T) {
	var c collector
	r, _ := newTestRecorder(t, &c)
	tr := testTrack(media.CodecOpus, "mic", "p")
	r.TrackAdded(tr)
	pkt := goodUnits[2].data
	r.Unit(&media.Unit{Track: tr, PTS: time.Second, Data: pkt})
	r.Unit(&media.Unit{Track: tr, PTS: time.Second, Data: pkt})                             // same PTS
	r.Unit(&media.Unit{Track: tr, PTS: 0, Data: pkt})                                       // back in time
	r.Unit(&media.Unit{Track: tr, PTS: 2 * time.Second, Data: make([]byte, maxUnitSize+1)}) // huge
	r.Unit(&media.Unit{Track: testTrack(media.CodecOpus, "unknown", "p"), Data: pkt})       // unknown track
	r.Unit(&media.Unit{Data: pkt})                                                          // no track
	r.Unit(nil)
	r.TrackRemoved(tr)
	r.Unit(&media.Unit{Track: tr, PTS: 3 * time.Second, Data: pkt}) // after removal
	if st := r.Stats(); st.Dropped != 7 || st.Units != 1 || st.Files != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestUnsupportedCodecIgnored(t *testing.T) {
	var c collector
	r, _ := newTestRecorder(t, &c)
	tr := testTrack(media.CodecAAC, "aac", "p")
	r.TrackAdded(tr)
	r.Unit(&media.Unit{Track: tr, Key: true, Data: []byte{1, 2, 3}})
	r.TrackRemoved(tr)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st != (Stats{}) || len(c.files) != 0 {
		t.Errorf("stats %+v, files %+v", st, c.files)
	}
}

func TestNewConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted an empty Dir")
	}
	r, err := New(Config{Dir: filepath.Join(t.TempDir(), "a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	if r.cfg.PartDuration != DefaultPartDuration || r.log == nil {
		t.Errorf("defaults not applied: %+v", r.cfg)
	}
	if r.Close() != nil || r.Close() != nil {
		t.Error("Close not idempotent")
	}
	tr := testTrack(media.CodecOpus, "late", "p")
	r.TrackAdded(tr) // after Close: ignored
	r.Unit(&media.Unit{Track: tr, Data: goodUnits[2].data})
	if st := r.Stats(); st.Files != 0 || st.Units != 0 {
		t.Errorf("recorded after Close: %+v", st)
	}
}

func fuzzSeeds() map[string][]any {
	seeds := make(map[string][]any)
	for _, tc := range badUnits {
		seeds[tc.name] = []any{string(tc.codec), tc.data}
	}
	for _, tc := range goodUnits {
		seeds[tc.name] = []any{string(tc.codec), tc.data}
	}
	return seeds
}

// FuzzRecorderUnit feeds arbitrary bytes as units of a codec: as a
// keyframe, an interframe and a keyframe after a part's length, after a
// good keyframe. Nothing may panic and every part must close.
func FuzzRecorderUnit(f *testing.F) {
	seeds := fuzzSeeds()
	fuzzcorpus.Write(f, "FuzzRecorderUnit", seeds)
	for _, args := range seeds {
		codec, _ := args[0].(string)
		data, _ := args[1].([]byte)
		f.Add(codec, data)
	}
	f.Fuzz(func(t *testing.T, codec string, data []byte) {
		c, err := media.ParseCodec(codec)
		if err != nil {
			c = media.CodecH264
		}
		r, err := New(Config{Dir: t.TempDir(), PartDuration: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		tr := testTrack(c, "t", "p")
		r.TrackAdded(tr)
		for _, g := range goodUnits {
			if g.codec == c {
				r.Unit(&media.Unit{Track: tr, Key: true, Data: g.data})
			}
		}
		r.Unit(&media.Unit{Track: tr, PTS: 20 * time.Millisecond, Key: true, Data: data})
		r.Unit(&media.Unit{Track: tr, PTS: 40 * time.Millisecond, Data: data})
		r.Unit(&media.Unit{Track: tr, PTS: 2 * time.Second, Key: true, Data: data})
		r.TrackRemoved(tr)
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		if st := r.Stats(); st.Errors != 0 {
			t.Fatalf("file errors: %+v", st)
		}
	})
}
