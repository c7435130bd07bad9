package h264

import (
	"bytes"
	"slices"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// annexBCases feed TestSplitAnnexB, TestAVCC and the seeds of
// FuzzSplitAnnexB.
var annexBCases = []struct {
	name  string
	in    []byte
	nalus [][]byte
}{
	{"empty", nil, nil},
	{"no start code", []byte{0x67, 1, 2}, nil},
	{"4-byte", []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2}, [][]byte{{0x67, 1}, {0x68, 2}}},
	{"3-byte", []byte{0, 0, 1, 0x65, 1, 2, 0, 0, 1, 0x41, 3}, [][]byte{{0x65, 1, 2}, {0x41, 3}}},
	{"mixed, trailing zeros", []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 1, 0x65, 2, 0, 0}, [][]byte{{0x67, 1}, {0x65, 2}}},
	{"leading garbage", []byte{9, 9, 0, 0, 1, 0x06, 5}, [][]byte{{0x06, 5}}},
	{"empty NALs skipped", []byte{0, 0, 1, 0, 0, 1, 0x09, 0xf0}, [][]byte{{0x09, 0xf0}}},
	{"emulation prevention kept", []byte{0, 0, 1, 0x65, 0, 0, 3, 1}, [][]byte{{0x65, 0, 0, 3, 1}}},
	{"start code at the end", []byte{0, 0, 1, 0x41, 1, 0, 0, 1}, [][]byte{{0x41, 1}}},
	{"zero_byte runs between units", []byte{0, 0, 0, 0, 0, 1, 0x67, 7, 0, 0, 0, 0, 0, 0, 1, 0x68, 8}, [][]byte{{0x67, 7}, {0x68, 8}}},
}

func TestSplitAnnexB(t *testing.T) {
	for _, tc := range annexBCases {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitAnnexB(tc.in)
			if !slices.EqualFunc(got, tc.nalus, bytes.Equal) {
				t.Fatalf("SplitAnnexB = %x, want %x", got, tc.nalus)
			}
			joined := JoinAnnexB(got)
			if again := SplitAnnexB(joined); !slices.EqualFunc(again, got, bytes.Equal) {
				t.Errorf("split(join) = %x, want %x", again, got)
			}
		})
	}
}

func TestJoinAnnexB(t *testing.T) {
	got := JoinAnnexB([][]byte{{0x67, 1}, {0x68, 2}})
	if want := []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2}; !bytes.Equal(got, want) {
		t.Errorf("JoinAnnexB = % x, want % x", got, want)
	}
}

func TestNALUType(t *testing.T) {
	cases := []struct {
		nalu        []byte
		want        NALUType
		vcl, params bool
	}{
		{nil, 0, false, false},
		{[]byte{0x67, 0x42}, NALUTypeSPS, false, true},
		{[]byte{0x68}, NALUTypePPS, false, true},
		{[]byte{0x65}, NALUTypeIDR, true, false},
		{[]byte{0x41}, NALUTypeNonIDR, true, false},
		{[]byte{0x09, 0xf0}, NALUTypeAUD, false, false},
		{[]byte{0x06}, NALUTypeSEI, false, false},
		{[]byte{0x7c, 0x85}, NALUTypeFUA, false, false},
	}
	for _, tc := range cases {
		got := Type(tc.nalu)
		if got != tc.want || got.IsVCL() != tc.vcl || got.IsParameterSet() != tc.params {
			t.Errorf("Type(% x) = %d (vcl %v, params %v), want %d (%v, %v)",
				tc.nalu, got, got.IsVCL(), got.IsParameterSet(), tc.want, tc.vcl, tc.params)
		}
	}
}

func TestAccessUnit(t *testing.T) {
	au := SplitAnnexB([]byte{0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65, 3})
	sps, pps := ParameterSets(au)
	if !slices.EqualFunc(sps, [][]byte{{0x67, 1}}, bytes.Equal) || !slices.EqualFunc(pps, [][]byte{{0x68, 2}}, bytes.Equal) {
		t.Errorf("ParameterSets = %x, %x", sps, pps)
	}
	if !IsKeyFrame(au) {
		t.Error("IDR access unit is not a keyframe")
	}
	if IsKeyFrame(SplitAnnexB([]byte{0, 0, 1, 0x67, 1, 0, 0, 1, 0x41, 3})) {
		t.Error("non-IDR access unit with an SPS is a keyframe")
	}
	if sps, pps := ParameterSets(SplitAnnexB([]byte{0, 0, 1, 0x65, 3})); sps != nil || pps != nil {
		t.Errorf("ParameterSets of a slice = %x, %x", sps, pps)
	}
}

func TestUnescape(t *testing.T) {
	cases := []struct{ in, want []byte }{
		{nil, []byte{}},
		{[]byte{0, 0, 3, 1}, []byte{0, 0, 1}},
		{[]byte{0, 0, 3, 0, 0, 3}, []byte{0, 0, 0, 0}},
		{[]byte{0, 3, 0, 3}, []byte{0, 3, 0, 3}},
		{[]byte{0, 0, 0, 3}, []byte{0, 0, 0}},
	}
	for _, tc := range cases {
		if got := Unescape(tc.in); !bytes.Equal(got, tc.want) {
			t.Errorf("Unescape(% x) = % x, want % x", tc.in, got, tc.want)
		}
	}
}

// FuzzSplitAnnexB checks that splitting never panics, yields no empty unit
// or unit ending in zero, and that joining with 4-byte start codes and
// splitting again, or going through AVCC, gives the same NAL units.
func FuzzSplitAnnexB(f *testing.F) {
	seeds := map[string][]byte{}
	for _, tc := range annexBCases {
		seeds[tc.name] = tc.in
	}
	fuzzcorpus.AddBytes(f, "FuzzSplitAnnexB", seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		for i := range len(b) + 1 {
			if got, want := nextStartCode(b, i), nextStartCodeBytewise(b, i); got != want {
				t.Fatalf("nextStartCode(% x, %d) = %d, bytewise %d", b, i, got, want)
			}
		}
		nalus := SplitAnnexB(b)
		for _, n := range nalus {
			if len(n) == 0 || n[len(n)-1] == 0 {
				t.Fatalf("NAL unit % x is empty or ends with zero", n)
			}
		}
		if again := SplitAnnexB(JoinAnnexB(nalus)); !slices.EqualFunc(again, nalus, bytes.Equal) {
			t.Fatalf("split(join) = %x, want %x", again, nalus)
		}
		avcc, err := SplitAVCC(AnnexBToAVCC(b))
		if err != nil || !slices.EqualFunc(avcc, nalus, bytes.Equal) {
			t.Fatalf("SplitAVCC(AnnexBToAVCC) = %x, %v; want %x", avcc, err, nalus)
		}
	})
}

// nextStartCodeBytewise is nextStartCode as SplitAnnexB first did it,
// one byte at a time: the oracle of FuzzSplitAnnexB and the benchmark's
// baseline.
func nextStartCodeBytewise(b []byte, i int) int {
	for ; i+2 < len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			return i
		}
	}
	return -1
}

// BenchmarkNextStartCode finds the start codes of a 40 kB frame of four
// slices (a 1080p frame at 8 Mbit/s is about 33 kB), against the
// bytewise search.
func BenchmarkNextStartCode(b *testing.B) {
	frame := JoinAnnexB([][]byte{{0x67, 1, 2, 3}, {0x68, 4}, bytes.Repeat([]byte{0x65, 0x88, 0x84}, 3400),
		bytes.Repeat([]byte{0x41, 0x9a}, 5000), bytes.Repeat([]byte{0x41, 0x9b, 7}, 3300), bytes.Repeat([]byte{0x41, 0x9c}, 5000)})
	for _, bc := range []struct {
		name string
		next func([]byte, int) int
	}{{"index", nextStartCode}, {"bytewise", nextStartCodeBytewise}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				n := 0
				for i := bc.next(frame, 0); i >= 0; i = bc.next(frame, i+3) {
					n++
				}
				if n != 6 {
					b.Fatalf("%d start codes", n)
				}
			}
		})
	}
}
