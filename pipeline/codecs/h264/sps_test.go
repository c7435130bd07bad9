package h264

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// spsCases feed TestParseSPS and the seeds of FuzzParseSPS; a zero width
// means an error.
var spsCases = []struct {
	name string
	nalu []byte
	want SPS
}{
	{"x264 high 320x240", mustHex("6764000dacb20283f60220000003002000000781e28549"),
		SPS{ProfileIDC: 100, LevelIDC: 13, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8, Width: 320, Height: 240}},
	{"x264 constrained baseline 320x240", mustHex("6742c00dd90141fb0110000003001000000303c0f1429920"),
		SPS{ProfileIDC: 66, ConstraintFlags: 0xc0, LevelIDC: 13, ChromaFormatIDC: 1, BitDepthLuma: 8, BitDepthChroma: 8, Width: 320, Height: 240}},
	{"huge width", mustHex("6742c01ef80003fffe80808080"), SPS{}},
	{"truncated", mustHex("6764000dacb2"), SPS{}},
	{"not an sps", mustHex("6864000dacb20283f60220000003002000000781e28549"), SPS{}},
	{"header only", []byte{0x67}, SPS{}},
	{"empty", nil, SPS{}},
	{"exp-golomb too long", mustHex("6742000a0000000000"), SPS{}},
	{"poc cycle too long", mustHex("6742000ad30096c0"), SPS{}},
}

func TestParseSPS(t *testing.T) {
	for _, tc := range spsCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSPS(tc.nalu)
			if tc.want.Width == 0 {
				if !errors.Is(err, ErrBadSPS) {
					t.Fatalf("ParseSPS = %+v, %v; want ErrBadSPS", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSPS = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// TestParseSPSFromFFmpeg checks sizes that need cropping, other chroma
// formats, bit depths and interlaced coding on SPSs libx264 writes.
func TestParseSPSFromFFmpeg(t *testing.T) {
	cases := []struct {
		w, h            int
		profile, pixFmt string
		extra           []string
		want            SPS
	}{
		{330, 186, "baseline", "yuv420p", nil, SPS{ProfileIDC: 66, ChromaFormatIDC: 1, BitDepthLuma: 8}},
		{1280, 720, "high", "yuv420p", nil, SPS{ProfileIDC: 100, ChromaFormatIDC: 1, BitDepthLuma: 8}},
		{642, 362, "high422", "yuv422p", nil, SPS{ProfileIDC: 122, ChromaFormatIDC: 2, BitDepthLuma: 8}},
		{250, 130, "high444", "yuv444p", nil, SPS{ProfileIDC: 244, ChromaFormatIDC: 3, BitDepthLuma: 8}},
		{320, 240, "high10", "yuv420p10le", nil, SPS{ProfileIDC: 110, ChromaFormatIDC: 1, BitDepthLuma: 10}},
		{720, 576, "high", "yuv420p", []string{"-flags", "+ildct+ilme", "-x264-params", "tff=1"}, SPS{ProfileIDC: 100, ChromaFormatIDC: 1, BitDepthLuma: 8}},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		b := encodeH264(t, dir, tc.w, tc.h, tc.profile, tc.pixFmt, tc.extra...)
		sps, _ := ParameterSets(SplitAnnexB(b))
		if len(sps) == 0 {
			t.Fatalf("%dx%d %s: no SPS", tc.w, tc.h, tc.profile)
		}
		got, err := ParseSPS(sps[0])
		if err != nil || got.Width != tc.w || got.Height != tc.h || got.ProfileIDC != tc.want.ProfileIDC ||
			got.ChromaFormatIDC != tc.want.ChromaFormatIDC || got.BitDepthLuma != tc.want.BitDepthLuma {
			t.Errorf("%dx%d %s %s: ParseSPS = %+v, %v", tc.w, tc.h, tc.profile, tc.pixFmt, got, err)
		}
	}
}

// FuzzParseSPS checks that ParseSPS never panics and that what it accepts
// is a picture within bounds.
func FuzzParseSPS(f *testing.F) {
	seeds := map[string][]byte{}
	for _, tc := range spsCases {
		seeds[tc.name] = tc.nalu
	}
	fuzzcorpus.AddBytes(f, "FuzzParseSPS", seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSPS(b)
		if err != nil {
			return
		}
		if s.Width <= 0 || s.Height <= 0 || s.Width > MaxDimension || s.Height > MaxDimension {
			t.Fatalf("ParseSPS accepted a %dx%d picture", s.Width, s.Height)
		}
	})
}
