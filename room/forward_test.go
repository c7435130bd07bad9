package room

import (
	"bytes"
	"io"
	"log/slog"
	"testing"

	"github.com/pion/rtp"
	"github.com/roomcast/roomcast/pipeline/media"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// newBareTrack builds a published track without pion, for feeding its
// packet path directly.
func newBareTrack(codec media.Codec) *publishedTrack {
	e := &env{log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: nowForTests, logEvery: errorLogPeriod}
	return &publishedTrack{
		env: e, log: e.log, id: "TR_test", codec: codec,
		clock: newTrackClock(codec.ClockRate(), &clockOffset{}), isKey: keyframeDetector(codec),
		errLog: newLogLimiter(e.logEvery), cache: newGOPCache(codec.Kind() == media.KindVideo),
	}
}

func marshalRTP(t testing.TB, p *rtp.Packet) []byte {
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestForwardHostilePackets(t *testing.T) {
	tr := newBareTrack(media.CodecVP8)
	tr.onRTP([]byte{0x80})             // too short
	tr.onRTP([]byte{0x90, 0x60, 0, 1}) // extension bit without extension
	if n := tr.badPackets.Load(); n != 2 {
		t.Errorf("bad packets = %d, want 2", n)
	}
	huge := make([]byte, 1400)
	copy(huge, []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}) // a VP8 keyframe start
	withExt := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 7, Timestamp: 9}, Payload: huge}
	if err := withExt.SetExtension(1, []byte{1}); err != nil {
		t.Fatal(err)
	}
	tr.onRTP(marshalRTP(t, withExt))
	padded := marshalRTP(t, &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: 8, Timestamp: 9, Padding: true, PaddingSize: 4},
		Payload: []byte{0xff, 0xff}})
	tr.onRTP(padded)
	got := tr.cache.snapshot()
	if len(got) != 2 || got[0].pkt.SequenceNumber != 7 || !got[0].key || got[1].pkt.SequenceNumber != 8 {
		t.Fatalf("cache = %+v", got)
	}
	if h := got[0].pkt.Header; h.Extension || len(h.Extensions) != 0 {
		t.Errorf("extensions kept: %+v", h)
	}
	if p := got[1].pkt; p.Padding || p.Header.PaddingSize != 0 || len(p.Payload) != 2 {
		t.Errorf("padding kept: %+v", p)
	}
}

// forwardCases feed the unit test and the fuzz seeds: raw packets as the
// publisher's read loop gets them.
var forwardCases = []struct {
	name    string
	raw     []byte
	wantErr bool
}{
	{"vp8 keyframe", []byte{0x80, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, false},
	{"padding only", []byte{0xa0, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0x10, 0x02}, false},
	{"one-byte extension", []byte{0x90, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0}, false},
	{"csrc", []byte{0x81, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0x10}, false},
	{"too short", []byte{0x80}, true},
	{"header only", []byte{0x80, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1}, false},
	{"extension without extension", []byte{0x90, 0x60, 0, 1}, true},
	{"extension beyond the packet", []byte{0x90, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0xbe, 0xde, 0, 9, 0x10}, true},
	{"csrc beyond the packet", []byte{0x8f, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2}, true},
	{"padding beyond the payload", []byte{0xa0, 0x60, 0, 1, 0, 0, 0, 9, 0, 0, 0, 1, 0x10, 0x09}, true},
}

func TestParseForward(t *testing.T) {
	seeds := map[string][]any{}
	for _, c := range forwardCases {
		seeds[c.name] = []any{c.raw}
		pkt, err := parseForward(c.raw)
		switch {
		case (err != nil) != c.wantErr:
			t.Errorf("%s: err = %v, want error %v", c.name, err, c.wantErr)
		case err == nil && pkt.Extension:
			t.Errorf("%s: extension kept: %+v", c.name, pkt.Header)
		case err == nil && len(pkt.Payload) > 0 && (pkt.Padding || pkt.PaddingSize != 0):
			t.Errorf("%s: padding of a media packet kept: %+v", c.name, pkt.Header)
		case err == nil && c.name == "padding only" && !(pkt.Padding && len(pkt.Payload) == 0):
			t.Errorf("%s: not kept as padding only: %+v payload %d bytes", c.name, pkt.Header, len(pkt.Payload))
		}
	}
	fuzzcorpus.Write(t, "FuzzForward", seeds)
}

// TestPaddingOnWire: a padding-only packet the room forwards reaches a
// subscriber as padding only (what pion's reader and the ingest's
// depacketizers skip), not as an empty payload (which they call
// malformed); media packets go out as they are.
func TestPaddingOnWire(t *testing.T) {
	for _, c := range forwardCases {
		pkt, err := parseForward(c.raw)
		if err != nil {
			continue
		}
		w := paddingOnWire(pkt)
		hdr, err := w.Header.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got rtp.Packet
		if err := got.Unmarshal(append(hdr, w.Payload...)); err != nil {
			t.Fatalf("%s: the subscriber cannot read it: %v", c.name, err)
		}
		probe := c.name == "padding only"
		if probe != (got.Padding && len(got.Payload) == 0) || (!probe && !bytes.Equal(got.Payload, pkt.Payload)) {
			t.Errorf("%s: subscriber reads padding %v, payload %x; forwarded payload %x", c.name, got.Padding, got.Payload, pkt.Payload)
		}
		if got.SequenceNumber != pkt.SequenceNumber || got.Timestamp != pkt.Timestamp || got.SSRC != pkt.SSRC {
			t.Errorf("%s: header changed: %+v", c.name, got.Header)
		}
	}
}

func FuzzForward(f *testing.F) {
	for _, c := range forwardCases {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		// Fresh tracks: state kept across inputs would make coverage
		// depend on the inputs before, which stalls the minimizer.
		video, audio := newBareTrack(media.CodecH264), newBareTrack(media.CodecOpus)
		video.onRTP(raw)
		audio.onRTP(raw)
		video.onRTCP(raw)
	})
}
