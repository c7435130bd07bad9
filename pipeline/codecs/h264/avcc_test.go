package h264

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// avccCases feed TestSplitAVCC and the seeds of FuzzSplitAVCC; nalus nil
// with bad set means an error.
var avccCases = []struct {
	name  string
	in    []byte
	nalus [][]byte
	bad   bool
}{
	{"empty", nil, nil, false},
	{"one", []byte{0, 0, 0, 2, 0x65, 1}, [][]byte{{0x65, 1}}, false},
	{"two", []byte{0, 0, 0, 2, 0x67, 1, 0, 0, 0, 1, 0x68}, [][]byte{{0x67, 1}, {0x68}}, false},
	{"zero length skipped", []byte{0, 0, 0, 0, 0, 0, 0, 1, 0x41}, [][]byte{{0x41}}, false},
	{"short length", []byte{0, 0, 2}, nil, true},
	{"length past the end", []byte{0, 0, 0, 5, 0x65, 1}, nil, true},
	{"huge length", []byte{0xff, 0xff, 0xff, 0xff, 0x65}, nil, true},
}

func TestSplitAVCC(t *testing.T) {
	for _, tc := range avccCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SplitAVCC(tc.in)
			if tc.bad != (err != nil) || (err != nil && !errors.Is(err, ErrBadAVCC)) {
				t.Fatalf("SplitAVCC error = %v, want bad %v", err, tc.bad)
			}
			if !slices.EqualFunc(got, tc.nalus, bytes.Equal) {
				t.Fatalf("SplitAVCC = %x, want %x", got, tc.nalus)
			}
		})
	}
}

func TestAnnexBToAVCC(t *testing.T) {
	annexB := []byte{0, 0, 1, 0x67, 1, 0, 0, 0, 1, 0x68, 2, 0, 0, 0, 1, 0x65, 0, 0, 3, 1}
	avcc := []byte{0, 0, 0, 2, 0x67, 1, 0, 0, 0, 2, 0x68, 2, 0, 0, 0, 5, 0x65, 0, 0, 3, 1}
	in := bytes.Clone(annexB)
	if got := AnnexBToAVCC(in); !bytes.Equal(got, avcc) {
		t.Errorf("AnnexBToAVCC = % x, want % x", got, avcc)
	}
	if !bytes.Equal(in, annexB) {
		t.Error("AnnexBToAVCC changed its input")
	}
	got, err := AVCCToAnnexB(avcc)
	if want := JoinAnnexB(SplitAnnexB(annexB)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("AVCCToAnnexB = % x, %v; want % x", got, err, want)
	}
	if _, err := AVCCToAnnexB([]byte{0, 0, 0, 9, 1}); !errors.Is(err, ErrBadAVCC) {
		t.Errorf("AVCCToAnnexB of a bad length: %v", err)
	}
}

// FuzzSplitAVCC checks that SplitAVCC never panics and that what it
// accepts comes back the same through Annex-B.
func FuzzSplitAVCC(f *testing.F) {
	seeds := map[string][]byte{}
	for _, tc := range avccCases {
		seeds[tc.name] = tc.in
	}
	fuzzcorpus.AddBytes(f, "FuzzSplitAVCC", seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		nalus, err := SplitAVCC(b)
		if err != nil {
			return
		}
		if again, err := SplitAVCC(AppendAVCC(nil, nalus...)); err != nil || !slices.EqualFunc(again, nalus, bytes.Equal) {
			t.Fatalf("SplitAVCC(AppendAVCC) = %x, %v; want %x", again, err, nalus)
		}
	})
}
