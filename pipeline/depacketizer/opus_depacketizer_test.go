package depacketizer

import (
	"bytes"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// TOC bytes (RFC 6716 section 3.1) for the tests: the configuration in the
// top five bits, the frame count code in the bottom two.
const (
	opusCELT20ms  = 31 << 3 // CELT-only fullband, 20 ms frames
	opusSILK60ms  = 3 << 3  // SILK-only narrowband, 60 ms frames
	opusCELT2ms5  = 16 << 3 // CELT-only narrowband, 2.5 ms frames
	opusCode1     = 1
	opusCode2     = 2
	opusCode3     = 3
	opusVBRPadded = opusFlagVBR | opusFlagPadding
)

// opusPacket joins its parts into one Opus packet.
func opusPacket(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// opusOne is a valid Opus packet for the tests.
var opusOne = []byte{opusCELT20ms, 0x11, 0x22, 0x33}

var opusCases = []depCase{
	{
		name:  "code 0 packet",
		steps: []depStep{depPkt(1, false, opusOne)},
		want:  []Frame{depFrame(1, true, opusOne)},
	},
	{
		name:  "TOC byte only",
		steps: []depStep{depPkt(1, true, []byte{opusCELT20ms})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT20ms})},
	},
	{
		name:  "code 1 with two equal frames",
		steps: []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode1, 1, 2, 3, 4})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT20ms | opusCode1, 1, 2, 3, 4})},
	},
	{
		name:    "code 1 with an odd length",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode1, 1, 2, 3})},
		wantErr: 1,
	},
	{
		name:  "code 2 with a one-byte length",
		steps: []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode2, 2, 1, 2, 3, 4, 5})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT20ms | opusCode2, 2, 1, 2, 3, 4, 5})},
	},
	{
		name:  "code 2 with a two-byte length",
		steps: []depStep{depPkt(1, true, opusPacket([]byte{opusCELT20ms | opusCode2, 252, 1}, make([]byte, 256+3)))},
		want:  []Frame{depFrame(1, true, opusPacket([]byte{opusCELT20ms | opusCode2, 252, 1}, make([]byte, 256+3)))},
	},
	{
		name:    "code 2 length beyond the packet",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode2, 10, 1, 2})},
		wantErr: 1,
	},
	{
		name:    "code 2 truncated two-byte length",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode2, 253})},
		wantErr: 1,
	},
	{
		name:    "code 2 second frame over 1275 bytes",
		steps:   []depStep{depPkt(1, true, opusPacket([]byte{opusCELT20ms | opusCode2, 0}, make([]byte, 1276)))},
		wantErr: 1,
	},
	{
		name:  "code 3 CBR",
		steps: []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, 3, 1, 2, 3, 4, 5, 6})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT20ms | opusCode3, 3, 1, 2, 3, 4, 5, 6})},
	},
	{
		name:  "code 3 VBR with padding",
		steps: []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, opusVBRPadded | 2, 2, 3, 1, 2, 3, 4, 5, 0, 0})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT20ms | opusCode3, opusVBRPadded | 2, 2, 3, 1, 2, 3, 4, 5, 0, 0})},
	},
	{
		name:  "code 3 padding of 255 bytes",
		steps: []depStep{depPkt(1, true, opusPacket([]byte{opusCELT20ms | opusCode3, opusFlagPadding | 1, 255, 1, 7, 8}, make([]byte, 255)))},
		want:  []Frame{depFrame(1, true, opusPacket([]byte{opusCELT20ms | opusCode3, opusFlagPadding | 1, 255, 1, 7, 8}, make([]byte, 255)))},
	},
	{
		name:  "code 3 with 48 frames of 2.5 ms",
		steps: []depStep{depPkt(1, true, []byte{opusCELT2ms5 | opusCode3, 48})},
		want:  []Frame{depFrame(1, true, []byte{opusCELT2ms5 | opusCode3, 48})},
	},
	{
		name:    "code 3 with 49 frames of 2.5 ms",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT2ms5 | opusCode3, 49})},
		wantErr: 1,
	},
	{
		name:    "code 3 with zero frames",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, 0})},
		wantErr: 1,
	},
	{
		name:    "code 3 longer than 120 ms",
		steps:   []depStep{depPkt(1, true, []byte{opusSILK60ms | opusCode3, 3})},
		wantErr: 1,
	},
	{
		name:    "code 3 without frame count",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3})},
		wantErr: 1,
	},
	{
		name:    "code 3 CBR length not a multiple of the count",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, 2, 1, 2, 3})},
		wantErr: 1,
	},
	{
		name:    "code 3 VBR lengths beyond the packet",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, opusFlagVBR | 2, 10, 1, 2})},
		wantErr: 1,
	},
	{
		name:    "code 3 padding beyond the packet",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, opusFlagPadding | 1, 10, 1})},
		wantErr: 1,
	},
	{
		name:    "code 3 truncated padding length",
		steps:   []depStep{depPkt(1, true, []byte{opusCELT20ms | opusCode3, opusFlagPadding | 1, 255})},
		wantErr: 1,
	},
	{
		name:    "code 0 frame over 1275 bytes",
		steps:   []depStep{depPkt(1, true, opusPacket([]byte{opusCELT20ms}, make([]byte, 1276)))},
		wantErr: 1,
	},
	{
		name: "empty payload between packets",
		steps: []depStep{
			depPkt(1, false, opusOne),
			depPkt(2, false),
			{padding: true, tick: 2},
			depReset(),
			depPkt(3, false, opusOne),
		},
		want:    []Frame{depFrame(1, true, opusOne), depFrame(3, true, opusOne)},
		wantErr: 1,
	},
}

func TestOpusDepacketizer(t *testing.T) {
	testDepCases(t, media.CodecOpus, opusCases)
	fuzzcorpus.WriteBytes(t, "FuzzOpusDepacketizer", depCaseSeeds(opusCases))
}

// TestOpusDepacketizerAllocs: a packet costs the copy of its payload that
// the caller keeps, no slice of frames; a frame kept keeps its bytes.
func TestOpusDepacketizerAllocs(t *testing.T) {
	d, _ := New(media.CodecOpus)
	p := depPacket(depPkt(1, true, opusOne), 0)
	kept, err := d.Push(p)
	if err != nil || len(kept) != 1 {
		t.Fatal(kept, err)
	}
	first := kept[0]
	allocs := testing.AllocsPerRun(100, func() {
		if fs, err := d.Push(p); err != nil || len(fs) != 1 {
			t.Fatal(fs, err)
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations per packet, want at most 1", allocs)
	}
	p.Payload[1] = 0x99
	if !bytes.Equal(first.Data, opusOne) {
		t.Errorf("a kept frame changed: % x", first.Data)
	}
}

func TestOpusFrameDuration(t *testing.T) {
	want := []time.Duration{10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 40, 60, 10, 20, 10, 20}
	for config, w := range want {
		if got := opusFrameDuration(byte(config << 3)); got != w*time.Millisecond {
			t.Errorf("config %d: %v, want %v", config, got, w*time.Millisecond)
		}
	}
	for config := 16; config < 32; config++ {
		w := []time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
		if got := opusFrameDuration(byte(config << 3)); got != w {
			t.Errorf("config %d: %v, want %v", config, got, w)
		}
	}
}

func FuzzOpusDepacketizer(f *testing.F) {
	for _, c := range opusCases {
		f.Add(encodeDepSteps(c.steps))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDepacketizer(t, media.CodecOpus, data, func(t *testing.T, fr Frame) {
			if !fr.Key {
				t.Fatal("Opus frame not marked Key")
			}
			if err := checkOpusPacket(fr.Data); err != nil {
				t.Fatalf("emitted packet % x fails its own check: %v", fr.Data, err)
			}
		})
	})
}
