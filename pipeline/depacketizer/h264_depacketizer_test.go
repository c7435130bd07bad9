package depacketizer

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// NAL units for the tests. Slices start with first_mb_in_slice = 0 (a
// leading 1 bit) unless named as a later slice.
var (
	h264SPS    = []byte{0x67, 0x42, 0xc0, 0x1f, 0xda, 0x01}
	h264PPS    = []byte{0x68, 0xce, 0x3c, 0x80}
	h264IDR    = []byte{0x65, 0x88, 0x84, 0x00, 0x33}
	h264Slice  = []byte{0x41, 0x9a, 0x02, 0x03}
	h264Slice2 = []byte{0x41, 0x1a, 0x05, 0x06} // a later slice of the same picture
	h264BigIDR = append([]byte{0x65, 0x88}, bytes.Repeat([]byte{0xab, 0xcd, 0xef}, 10)...)
)

// h264AnnexB is the Annex-B form of nals.
func h264AnnexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(append(b, h264StartCode...), n...)
	}
	return b
}

// h264MakeSTAPA aggregates nals in a STAP-A (RFC 6184 section 5.7.1).
func h264MakeSTAPA(nals ...[]byte) []byte {
	b := []byte{0x78} // NRI 3, type 24
	for _, n := range nals {
		b = append(b, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

// h264FU builds the FU-A carrying nal[from:to] (RFC 6184 section 5.8); the
// header byte of nal is not part of any fragment.
func h264FU(nal []byte, from, to int) []byte {
	header := nal[0] & h264MaskType
	if from <= 1 {
		from, header = 1, header|h264FUStart
	}
	if to >= len(nal) {
		to, header = len(nal), header|h264FUEnd
	}
	return append([]byte{nal[0]&0xe0 | h264FUA, header}, nal[from:to]...)
}

// h264RawFU builds an FU-A from its header byte.
func h264RawFU(header byte, fragment ...byte) []byte {
	return append([]byte{0x7c, header}, fragment...)
}

var h264Cases = append([]depCase{
	{
		name:  "IDR in a single NAL unit packet",
		steps: []depStep{depPkt(1, true, h264IDR)},
		want:  []Frame{depFrame(1, true, h264AnnexB(h264IDR))},
	},
	{
		name:  "non-IDR slice",
		steps: []depStep{depPkt(1, true, h264Slice)},
		want:  []Frame{depFrame(1, false, h264AnnexB(h264Slice))},
	},
	{
		name:  "STAP-A with SPS, PPS and IDR",
		steps: []depStep{depPkt(1, true, h264MakeSTAPA(h264SPS, h264PPS, h264IDR))},
		want:  []Frame{depFrame(1, true, h264AnnexB(h264SPS, h264PPS, h264IDR))},
	},
	{
		name: "parameter sets with their own marker go with the IDR",
		steps: []depStep{
			depPkt(1, true, h264MakeSTAPA(h264SPS, h264PPS)),
			depPkt(1, true, h264IDR),
		},
		want: []Frame{depFrame(1, true, h264AnnexB(h264SPS, h264PPS, h264IDR))},
	},
	{
		name: "parameter sets with their own timestamp go with the IDR",
		steps: []depStep{
			depPkt(1, false, h264SPS),
			depPkt(1, true, h264PPS),
			depPkt(2, true, h264IDR),
		},
		want: []Frame{depFrame(2, true, h264AnnexB(h264SPS, h264PPS, h264IDR))},
	},
	{
		name: "two slices in two packets",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			depPkt(1, true, h264Slice2),
		},
		want: []Frame{depFrame(1, false, h264AnnexB(h264Slice, h264Slice2))},
	},
	{
		name: "FU-A start, middle and end",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, false, h264FU(h264BigIDR, 10, 20)),
			depPkt(1, true, h264FU(h264BigIDR, 20, 99)),
		},
		want: []Frame{depFrame(1, true, h264AnnexB(h264BigIDR))},
	},
	{
		name: "STAP-A then FU-A in one access unit",
		steps: []depStep{
			depPkt(1, false, h264MakeSTAPA(h264SPS, h264PPS)),
			depPkt(1, false, h264FU(h264BigIDR, 0, 12)),
			depPkt(1, true, h264FU(h264BigIDR, 12, 99)),
			depPkt(2, true, h264Slice),
		},
		want: []Frame{
			depFrame(1, true, h264AnnexB(h264SPS, h264PPS, h264BigIDR)),
			depFrame(2, false, h264AnnexB(h264Slice)),
		},
	},
	{
		name: "missing marker emits on timestamp change",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			depPkt(2, true, h264Slice),
		},
		want: []Frame{depFrame(1, false, h264AnnexB(h264Slice)), depFrame(2, false, h264AnnexB(h264Slice))},
	},
	{
		name: "missing marker drops an unfinished FU-A",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(2, true, h264Slice),
		},
		want: []Frame{depFrame(2, false, h264AnnexB(h264Slice))},
	},
	{
		name: "lost FU-A middle then reset",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depReset(),
			depPkt(1, true, h264FU(h264BigIDR, 20, 99)),
			depPkt(2, true, h264Slice),
		},
		want: []Frame{depFrame(2, false, h264AnnexB(h264Slice))},
	},
	{
		name: "reset skips the rest of the access unit",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			depReset(),
			depPkt(1, true, h264Slice2),
			depPkt(2, true, h264Slice),
		},
		want: []Frame{depFrame(2, false, h264AnnexB(h264Slice))},
	},
	{
		name: "stream starting inside a FU-A",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 10, 20)),
			depPkt(1, true, h264FU(h264BigIDR, 20, 99)),
			depPkt(2, true, h264IDR),
		},
		want: []Frame{depFrame(2, true, h264AnnexB(h264IDR))},
	},
	{
		name: "padding-only packet inside an access unit is ignored",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			{padding: true, tick: 9},
			depPkt(1, true, h264Slice2),
		},
		want: []Frame{depFrame(1, false, h264AnnexB(h264Slice, h264Slice2))},
	},
	{
		name: "empty payload drops the access unit",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			depPkt(1, false),
			depPkt(1, true, h264Slice2),
			depPkt(2, true, h264IDR),
		},
		want:    []Frame{depFrame(2, true, h264AnnexB(h264IDR))},
		wantErr: 1,
	},
	{
		name:    "forbidden_zero_bit set",
		steps:   []depStep{depPkt(1, true, []byte{0xe5, 0x88})},
		wantErr: 1,
	},
	{
		name:    "STAP-A too short",
		steps:   []depStep{depPkt(1, true, []byte{0x78, 0x00, 0x01})},
		wantErr: 1,
	},
	{
		name:    "STAP-A with a truncated size",
		steps:   []depStep{depPkt(1, true, append(h264MakeSTAPA(h264SPS), 0x00))},
		wantErr: 1,
	},
	{
		name:    "STAP-A with a NAL unit of size zero",
		steps:   []depStep{depPkt(1, true, append(h264MakeSTAPA(h264SPS), 0x00, 0x00, 0x68))},
		wantErr: 1,
	},
	{
		name:    "STAP-A NAL unit beyond the payload",
		steps:   []depStep{depPkt(1, true, []byte{0x78, 0x00, 0x09, 0x67, 0x42})},
		wantErr: 1,
	},
	{
		name:    "STAP-A holding a FU-A",
		steps:   []depStep{depPkt(1, true, h264MakeSTAPA(h264SPS, h264RawFU(0x85, 1)))},
		wantErr: 1,
	},
	{
		name:    "FU-A without FU header",
		steps:   []depStep{depPkt(1, true, []byte{0x7c})},
		wantErr: 1,
	},
	{
		name:    "FU-A with start and end bits",
		steps:   []depStep{depPkt(1, true, h264RawFU(0xc5, 0x88))},
		wantErr: 1,
	},
	{
		name:    "FU-A of a STAP-A",
		steps:   []depStep{depPkt(1, true, h264RawFU(0x98, 0x88))},
		wantErr: 1,
	},
	{
		name: "FU-A start twice",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, true, h264FU(h264BigIDR, 10, 99)),
		},
		wantErr: 1,
	},
	{
		name: "FU-A without start inside an access unit",
		steps: []depStep{
			depPkt(1, false, h264Slice),
			depPkt(1, true, h264FU(h264BigIDR, 10, 99)),
		},
		wantErr: 1,
	},
	{
		name: "FU-A type changes",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, true, h264RawFU(h264FUEnd|h264NALSlice, 1, 2)),
			depPkt(2, true, h264Slice),
		},
		want:    []Frame{depFrame(2, false, h264AnnexB(h264Slice))},
		wantErr: 1,
	},
	{
		name: "NAL unit inside a FU-A",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, true, h264Slice2),
		},
		wantErr: 1,
	},
	{
		name: "STAP-A inside a FU-A",
		steps: []depStep{
			depPkt(1, false, h264FU(h264BigIDR, 0, 10)),
			depPkt(1, true, h264MakeSTAPA(h264Slice2)),
		},
		wantErr: 1,
	},
	{
		name:    "marker bit inside a FU-A",
		steps:   []depStep{depPkt(1, true, h264FU(h264BigIDR, 0, 10))},
		wantErr: 1,
	},
}, h264BadTypeCases()...)

// h264BadTypeCases rejects the packet types outside packetization mode 1
// (STAP-B, MTAP16, MTAP24, FU-B) and the undefined ones (0, 30, 31).
func h264BadTypeCases() []depCase {
	var cases []depCase
	for _, t := range []byte{0, 25, 26, 27, 29, 30, 31} {
		cases = append(cases, depCase{
			name:    fmt.Sprintf("packet type %d", t),
			steps:   []depStep{depPkt(1, true, []byte{0x60 | t, 0x80, 0x00, 0x04, 0x65, 0x88})},
			wantErr: 1,
		})
	}
	return cases
}

func TestH264Depacketizer(t *testing.T) {
	testDepCases(t, media.CodecH264, h264Cases)
	fuzzcorpus.WriteBytes(t, "FuzzH264Depacketizer", depCaseSeeds(h264Cases))
}

func TestH264DepacketizerFrameCap(t *testing.T) {
	d, _ := New(media.CodecH264)
	big := append([]byte{0x65, 0x88}, bytes.Repeat([]byte{0xaa}, 60000)...)
	_, err := d.Push(depPacket(depPkt(1, false, h264FU(big, 0, len(big)-1)), 0))
	for i := 1; err == nil && i < 2*maxVideoFrameBytes/len(big); i++ {
		_, err = d.Push(depPacket(depPkt(1, false, h264RawFU(h264NALIDR, big[2:]...)), uint16(i)))
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("growing frame: %v, want ErrMalformed", err)
	}
	fs, err := d.Push(depPacket(depPkt(1, true, h264RawFU(h264FUEnd|h264NALIDR, 1)), 0))
	if err != nil || len(fs) != 0 {
		t.Fatalf("rest of the capped frame: %v, %v", fs, err)
	}
}

func TestH264DepacketizerAllocs(t *testing.T) {
	d, _ := New(media.CodecH264)
	first := depPacket(depPkt(1, false, h264FU(h264BigIDR, 0, 10)), 0)
	last := depPacket(depPkt(1, true, h264FU(h264BigIDR, 10, 99)), 1)
	allocs := testing.AllocsPerRun(100, func() {
		if fs, err := d.Push(first); err != nil || len(fs) != 0 {
			t.Fatal(fs, err)
		}
		if fs, err := d.Push(last); err != nil || len(fs) != 1 {
			t.Fatal(fs, err)
		}
	})
	if allocs > 1 { // its Data; the []Frame is reused
		t.Errorf("%v allocations per frame, want at most 1", allocs)
	}
}

func FuzzH264Depacketizer(f *testing.F) {
	for _, c := range h264Cases {
		f.Add(encodeDepSteps(c.steps))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzDepacketizer(t, media.CodecH264, data, func(t *testing.T, fr Frame) {
			if !bytes.HasPrefix(fr.Data, h264StartCode) || len(fr.Data) < len(h264StartCode)+1 {
				t.Fatalf("frame % x does not start with a start code and a NAL unit", fr.Data)
			}
			if fr.Key && !bytes.Contains(fr.Data, []byte{0, 0, 0, 1, 0x65}) &&
				!bytes.Contains(fr.Data, []byte{0, 0, 0, 1, 0x25}) &&
				!bytes.Contains(fr.Data, []byte{0, 0, 0, 1, 0x45}) &&
				!bytes.Contains(fr.Data, []byte{0, 0, 0, 1, 0x05}) {
				t.Fatalf("key frame % x without IDR NAL unit", fr.Data)
			}
		})
	})
}
