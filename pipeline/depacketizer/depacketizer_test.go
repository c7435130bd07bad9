package depacketizer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pion/rtp"
	"github.com/roomcast/roomcast/pipeline/media"
)

// depStep is one input of a depacketizer test: a packet, or a Reset.
type depStep struct {
	reset   bool  // call Reset instead of pushing a packet
	marker  bool  // RTP marker bit
	padding bool  // RTP padding bit
	tick    uint8 // the RTP timestamp is tick × depTickRTP
	payload []byte
}

// depCase is one row of a depacketizer's test table; its steps are also a
// fuzz seed.
type depCase struct {
	name    string
	steps   []depStep
	want    []Frame // the frames emitted, in order
	wantErr int     // how many steps return an error
}

// depTickRTP is the RTP timestamp step of one depStep tick.
const depTickRTP = 3000

// Step flags of the fuzz encoding.
const (
	depFlagMarker  = 1 << 0
	depFlagReset   = 1 << 1
	depFlagPadding = 1 << 2
)

// depPkt is a packet step; depReset is a Reset step.
func depPkt(tick uint8, marker bool, payload ...[]byte) depStep {
	return depStep{tick: tick, marker: marker, payload: bytes.Join(payload, nil)}
}

func depReset() depStep { return depStep{reset: true} }

// encodeDepSteps encodes steps as a fuzz input: per step a flags byte, the
// tick, a big-endian 16-bit payload length and the payload.
func encodeDepSteps(steps []depStep) []byte {
	var b []byte
	for _, s := range steps {
		var flags byte
		if s.marker {
			flags |= depFlagMarker
		}
		if s.reset {
			flags |= depFlagReset
		}
		if s.padding {
			flags |= depFlagPadding
		}
		b = append(b, flags, s.tick)
		b = binary.BigEndian.AppendUint16(b, uint16(len(s.payload)))
		b = append(b, s.payload...)
	}
	return b
}

// decodeDepSteps decodes any input: a truncated header ends it, a truncated
// payload takes what is left.
func decodeDepSteps(b []byte) []depStep {
	var steps []depStep
	for len(b) >= 4 {
		n := min(int(binary.BigEndian.Uint16(b[2:])), len(b)-4)
		steps = append(steps, depStep{
			marker:  b[0]&depFlagMarker != 0,
			reset:   b[0]&depFlagReset != 0,
			padding: b[0]&depFlagPadding != 0,
			tick:    b[1],
			payload: b[4 : 4+n],
		})
		b = b[4+n:]
	}
	return steps
}

// depPacket builds the RTP packet of a step with sequence number seq.
func depPacket(s depStep, seq uint16) *rtp.Packet {
	return &rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			Padding:        s.padding,
			Marker:         s.marker,
			SequenceNumber: seq,
			Timestamp:      uint32(s.tick) * depTickRTP,
		},
		Payload: s.payload,
	}
}

// runDepSteps feeds steps to d and returns the frames and errors. It checks
// that every error wraps ErrMalformed.
func runDepSteps(t testing.TB, d Depacketizer, steps []depStep) (frames []Frame, errs []error) {
	t.Helper()
	for i, s := range steps {
		if s.reset {
			d.Reset()
			continue
		}
		fs, err := d.Push(depPacket(s, uint16(i)))
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("step %d: error %v does not wrap ErrMalformed", i, err)
			}
			errs = append(errs, err)
		}
		frames = append(frames, fs...)
	}
	return frames, errs
}

// testDepCases runs a depacketizer's table.
func testDepCases(t *testing.T, codec media.Codec, cases []depCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := New(codec)
			if err != nil {
				t.Fatal(err)
			}
			frames, errs := runDepSteps(t, d, c.steps)
			if len(errs) != c.wantErr {
				t.Errorf("got %d errors %v, want %d", len(errs), errs, c.wantErr)
			}
			if len(frames) != len(c.want) {
				t.Fatalf("got %d frames %s, want %d %s", len(frames), fmtFrames(frames), len(c.want), fmtFrames(c.want))
			}
			for i := range frames {
				g, w := frames[i], c.want[i]
				if g.RTPTime != w.RTPTime || g.Key != w.Key || !bytes.Equal(g.Data, w.Data) {
					t.Errorf("frame %d: got %s, want %s", i, fmtFrames(frames[i:i+1]), fmtFrames(c.want[i:i+1]))
				}
			}
		})
	}
}

func fmtFrames(fs []Frame) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "{ts=%d key=%v data=% x}", f.RTPTime, f.Key, f.Data)
	}
	return b.String()
}

// depFrame is the Frame a test expects.
func depFrame(tick uint8, key bool, data ...[]byte) Frame {
	return Frame{RTPTime: uint32(tick) * depTickRTP, Key: key, Data: bytes.Join(data, nil)}
}

// depCaseSeeds returns the fuzz seeds of a table, by case name.
func depCaseSeeds(cases []depCase) map[string][]byte {
	seeds := make(map[string][]byte, len(cases))
	for _, c := range cases {
		seeds[c.name] = encodeDepSteps(c.steps)
	}
	return seeds
}

// fuzzDepacketizer runs one fuzz input through a new depacketizer of codec
// and checks the invariants every depacketizer keeps: errors wrap
// ErrMalformed, frames are non-empty, capped, carry the timestamp of a
// packet pushed, and do not alias the depacketizer's buffers. check adds the
// codec's own invariants.
func fuzzDepacketizer(t *testing.T, codec media.Codec, data []byte, check func(t *testing.T, f Frame)) {
	d, err := New(codec)
	if err != nil {
		t.Fatal(err)
	}
	steps := decodeDepSteps(data)
	ticks := map[uint32]bool{}
	var frames []Frame
	var copies [][]byte
	for i, s := range steps {
		if s.reset {
			d.Reset()
			continue
		}
		p := depPacket(s, uint16(i))
		ticks[p.Timestamp] = true
		fs, err := d.Push(p)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("step %d: error %v does not wrap ErrMalformed", i, err)
		}
		for _, f := range fs {
			if len(f.Data) == 0 || len(f.Data) > maxVideoFrameBytes {
				t.Fatalf("step %d: frame of %d bytes", i, len(f.Data))
			}
			if !ticks[f.RTPTime] {
				t.Fatalf("step %d: frame timestamp %d was never pushed", i, f.RTPTime)
			}
			check(t, f)
			frames = append(frames, f)
			copies = append(copies, bytes.Clone(f.Data))
		}
	}
	for i := range frames {
		if !bytes.Equal(frames[i].Data, copies[i]) {
			t.Fatalf("frame %d changed after it was returned", i)
		}
	}
}

func TestNew(t *testing.T) {
	for _, c := range []media.Codec{media.CodecVP8, media.CodecH264, media.CodecOpus} {
		if d, err := New(c); err != nil || d == nil {
			t.Errorf("New(%q) = %v, %v", c, d, err)
		}
	}
	if _, err := New("AV1"); err == nil {
		t.Error("New(AV1) did not fail")
	}
}

func TestDepStepsRoundTrip(t *testing.T) {
	steps := []depStep{
		depPkt(1, true, []byte{1, 2, 3}),
		depReset(),
		{padding: true, tick: 7, payload: []byte{}},
		depPkt(255, false, bytes.Repeat([]byte{9}, 300)),
	}
	got := decodeDepSteps(encodeDepSteps(steps))
	if len(got) != len(steps) {
		t.Fatalf("got %d steps, want %d", len(got), len(steps))
	}
	for i := range steps {
		g, w := got[i], steps[i]
		if g.reset != w.reset || g.marker != w.marker || g.padding != w.padding || g.tick != w.tick || !bytes.Equal(g.payload, w.payload) {
			t.Errorf("step %d: got %+v, want %+v", i, g, w)
		}
	}
}

// TestDepacketizerNilAndPadding checks the input every depacketizer handles
// alike: a nil packet and an empty payload are malformed, a padding-only
// packet is ignored.
func TestDepacketizerNilAndPadding(t *testing.T) {
	for _, c := range []media.Codec{media.CodecVP8, media.CodecH264, media.CodecOpus} {
		d, _ := New(c)
		if fs, err := d.Push(nil); !errors.Is(err, ErrMalformed) || fs != nil {
			t.Errorf("%s: Push(nil) = %v, %v", c, fs, err)
		}
		if fs, err := d.Push(&rtp.Packet{}); !errors.Is(err, ErrMalformed) || fs != nil {
			t.Errorf("%s: Push(empty) = %v, %v", c, fs, err)
		}
		if fs, err := d.Push(&rtp.Packet{Header: rtp.Header{Padding: true, PaddingSize: 200}}); err != nil || fs != nil {
			t.Errorf("%s: Push(padding only) = %v, %v", c, fs, err)
		}
	}
}
