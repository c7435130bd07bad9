package source_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtpdump"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/fuzzcorpus"
	"github.com/roomcast/roomcast/test/mediafixture"
)

var replayBase = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

// h264Dump packetizes the fixture's first frames as a room would have
// received them: frame i arrives at base + i/30 s + jitter(i).
func h264Dump(t testing.TB, frames int, edit func(pkts []*rtpdump.Packet) []*rtpdump.Packet) []byte {
	f := mediafixture.Load(t)
	var buf bytes.Buffer
	w, err := rtpdump.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTrack(rtpdump.Track{ID: "cam", Kind: "video", Codec: "H264", ClockRate: 90000, ParticipantID: "alice"}); err != nil {
		t.Fatal(err)
	}
	p := rtp.NewPacketizer(1200, 96, 1234, &codecs.H264Payloader{}, rtp.NewFixedSequencer(65500), 90000)
	var pkts []*rtpdump.Packet
	n := 0
	for _, u := range f.Units {
		if u.Track.Kind != media.KindVideo || n == frames {
			continue
		}
		jitter := time.Duration(n%3) * 7 * time.Millisecond // the least delayed: every third
		at := replayBase.Add(time.Duration(n)*time.Second/30 + jitter)
		for _, pk := range p.Packetize(u.Data, 3000) {
			b, err := pk.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, &rtpdump.Packet{Arrival: at, RTP: b})
		}
		n++
	}
	if edit != nil {
		pkts = edit(pkts)
	}
	for _, pk := range pkts {
		if err := w.WritePacket(*pk); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestReadReplay(t *testing.T) {
	dump := h264Dump(t, 60, nil)
	rp, err := source.ReadReplay(bytes.NewReader(dump), replayBase.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Tracks) != 1 || rp.Tracks[0].Codec != media.CodecH264 || rp.Tracks[0].ParticipantID != "alice" || rp.Tracks[0].Source != media.SourceCamera {
		t.Fatalf("tracks %+v", rp.Tracks)
	}
	if len(rp.Units) != 60 || !rp.Units[0].Key || rp.Malformed != 0 {
		t.Fatalf("%d units (first key %v), %d malformed; want 60 from a keyframe", len(rp.Units), rp.Units[0].Key, rp.Malformed)
	}
	// Timed by the least delayed packets, on a clock whose zero is base:
	// frame i at i/30 s − 1 s, whatever its own packets' jitter.
	for i, u := range rp.Units {
		want := time.Duration(i)*time.Second/30 - time.Second
		if d := u.PTS - want; d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("unit %d PTS %v, want %v", i, u.PTS, want)
		}
	}
	if w := rp.WallOf(rp.Units[30].PTS); !w.Round(time.Millisecond).Equal(replayBase.Add(time.Second)) {
		t.Errorf("wall of frame 30: %v", w)
	}
}

// Packets reordered and repeated (retransmissions) make the same units;
// a lost packet drops its frame and, for video, the frames up to the
// next keyframe.
func TestReadReplayLossAndReorder(t *testing.T) {
	reorder := func(pkts []*rtpdump.Packet) []*rtpdump.Packet {
		out := append([]*rtpdump.Packet(nil), pkts...)
		out[10], out[11] = out[11], out[10]
		return append(out, pkts[20]) // forwarded twice
	}
	rp, err := source.ReadReplay(bytes.NewReader(h264Dump(t, 60, reorder)), replayBase)
	if err != nil || len(rp.Units) != 60 {
		t.Fatalf("reordered: %v, %d units", err, len(rp.Units))
	}
	var lostAt int
	lose := func(pkts []*rtpdump.Packet) []*rtpdump.Packet {
		lostAt = len(pkts) / 4 // inside the first second's GOP
		return append(pkts[:lostAt:lostAt], pkts[lostAt+1:]...)
	}
	rp, err = source.ReadReplay(bytes.NewReader(h264Dump(t, 60, lose)), replayBase)
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Units) < 30 || len(rp.Units) >= 60-1 || !rp.Units[0].Key {
		t.Fatalf("%d units after a loss, want the first GOP cut and the second whole", len(rp.Units))
	}
	var key int
	for i, u := range rp.Units {
		if i > 0 && u.Key {
			key = i
		}
	}
	if n := len(rp.Units) - key; n != 30 {
		t.Errorf("the GOP after the loss has %d units, want 30", n)
	}
}

// A dump from an unknown codec, or cut short, is an error or nothing,
// never a panic.
func TestReadReplayHostile(t *testing.T) {
	good := h264Dump(t, 10, nil)
	for name, b := range replaySeeds(t, good) {
		rp, err := source.ReadReplay(bytes.NewReader(b), replayBase)
		t.Logf("%s: %v", name, err)
		if err == nil && rp == nil {
			t.Errorf("%s: nil replay without an error", name)
		}
	}
	if _, err := source.ReadReplay(bytes.NewReader(good[:len(good)-3]), replayBase); err == nil {
		t.Error("a cut dump read without an error")
	}
}

func replaySeeds(t testing.TB, good []byte) map[string][]byte {
	var vp8 bytes.Buffer
	w, _ := rtpdump.NewWriter(&vp8)
	_, _ = w.WriteTrack(rtpdump.Track{ID: "x", Kind: "video", Codec: "AV1", ClockRate: 90000})
	_ = w.WritePacket(rtpdump.Packet{RTP: []byte{0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1}})
	_, _ = w.WriteTrack(rtpdump.Track{ID: "a", Kind: "audio", Codec: "opus", ClockRate: 48000})
	_ = w.WritePacket(rtpdump.Packet{Track: 1, RTP: []byte{1, 2, 3}})
	_ = w.WritePacket(rtpdump.Packet{Track: 1, RTP: []byte{0x80, 111, 0, 1, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1}})
	return map[string][]byte{"h264": good, "unknown-codec-and-junk": vp8.Bytes(), "empty": nil, "magic-only": []byte(rtpdump.Magic)}
}

func FuzzReadReplay(f *testing.F) {
	seeds := replaySeeds(f, h264Dump(f, 10, nil))
	for _, b := range seeds {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rp, err := source.ReadReplay(bytes.NewReader(b), replayBase)
		if err == nil {
			for i := 1; i < len(rp.Units); i++ {
				if rp.Units[i].PTS < rp.Units[i-1].PTS {
					t.Fatalf("units out of PTS order")
				}
			}
		}
	})
}

func TestReplaySeeds(t *testing.T) {
	fuzzcorpus.WriteBytes(t, "FuzzReadReplay", replaySeeds(t, h264Dump(t, 10, nil)))
}
