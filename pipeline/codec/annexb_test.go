package codec

import (
	"bytes"
	"slices"
	"testing"
)

// annexBCases feed TestSplitNALs and the seeds of FuzzSplitNALs.
var annexBCases = []struct {
	name string
	in   []byte
	nals [][]byte
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
}

func TestSplitNALs(t *testing.T) {
	for _, tc := range annexBCases {
		t.Run(tc.name, func(t *testing.T) {
			got := splitNALs(tc.in)
			if !slices.EqualFunc(got, tc.nals, bytes.Equal) {
				t.Fatalf("splitNALs = %x, want %x", got, tc.nals)
			}
			joined := joinNALs(got)
			if again := splitNALs(joined); !slices.EqualFunc(again, got, bytes.Equal) {
				t.Errorf("split(join) = %x, want %x", again, got)
			}
		})
	}
}

func TestParameterSets(t *testing.T) {
	au := []byte{0, 0, 1, 0x09, 0xf0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 1, 0x65, 3}
	if got, want := parameterSets(au), []byte{0, 0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2}; !bytes.Equal(got, want) {
		t.Errorf("parameterSets = % x, want % x", got, want)
	}
	if got := parameterSets([]byte{0, 0, 1, 0x65, 3}); got != nil {
		t.Errorf("parameterSets of a slice = % x, want nil", got)
	}
}

// FuzzSplitNALs checks that splitting never panics and that joining with
// 4-byte start codes and splitting again gives the same NAL units.
func FuzzSplitNALs(f *testing.F) {
	for _, tc := range annexBCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		nals := splitNALs(b)
		for _, n := range nals {
			if len(n) == 0 || n[len(n)-1] == 0 {
				t.Fatalf("NAL % x is empty or ends with zero", n)
			}
		}
		if again := splitNALs(joinNALs(nals)); !slices.EqualFunc(again, nals, bytes.Equal) {
			t.Fatalf("split(join) = %x, want %x", again, nals)
		}
	})
}
