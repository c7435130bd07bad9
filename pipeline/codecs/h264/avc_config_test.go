package h264

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

func TestConfigurationRecord(t *testing.T) {
	sps := spsCases[1].nalu // constrained baseline
	pps := mustHex("68ce3c80")
	got, err := ConfigurationRecord([][]byte{sps}, [][]byte{pps})
	want := append([]byte{1, 0x42, 0xc0, 0x0d, 0xff, 0xe1, 0, byte(len(sps))}, sps...)
	want = append(append(want, 1, 0, 4), pps...)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("ConfigurationRecord = % x, %v; want % x", got, err, want)
	}
	high := spsCases[0].nalu
	got, err = ConfigurationRecord([][]byte{high}, [][]byte{pps})
	if err != nil || !bytes.HasSuffix(got, []byte{0xfd, 0xf8, 0xf8, 0}) {
		t.Errorf("high profile ConfigurationRecord = % x, %v; want chroma and bit depth fields", got, err)
	}
	bad := [][2][][]byte{
		{nil, {pps}},
		{{sps}, nil},
		{{sps[:3]}, {pps}},
		{{sps}, {{}}},
		{{high[:6]}, {pps}}, // high profile with an unreadable SPS
	}
	for _, b := range bad {
		if _, err := ConfigurationRecord(b[0], b[1]); !errors.Is(err, ErrBadParameterSets) {
			t.Errorf("ConfigurationRecord(%x, %x): %v, want ErrBadParameterSets", b[0], b[1], err)
		}
	}
}

// TestConfigurationRecordMatchesFFmpeg compares the record with the avcC
// box ffmpeg's MP4 muxer writes for the same stream.
func TestConfigurationRecordMatchesFFmpeg(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ profile, pixFmt string }{{"baseline", "yuv420p"}, {"high", "yuv420p"}, {"high422", "yuv422p"}} {
		b := encodeH264(t, dir, 320, 240, c.profile, c.pixFmt)
		sps, pps := ParameterSets(SplitAnnexB(b))
		got, err := ConfigurationRecord(sps, pps)
		if err != nil {
			t.Fatal(err)
		}
		if want := ffmpegAvcC(t, dir, b); !bytes.Equal(got, want) {
			t.Errorf("%s: ConfigurationRecord = % x, ffmpeg avcC = % x", c.profile, got, want)
		}
	}
}

// ffmpegAvcC remuxes an Annex-B stream to MP4 and returns its avcC body.
func ffmpegAvcC(t *testing.T, dir string, annexB []byte) []byte {
	t.Helper()
	in, out := filepath.Join(dir, "in.h264"), filepath.Join(dir, "out.mp4")
	if err := os.WriteFile(in, annexB, 0o644); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("ffmpeg", "-v", "error", "-y", "-i", in, "-c", "copy", out).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, o)
	}
	mp4, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(mp4, []byte("avcC"))
	if i < 4 {
		t.Fatal("no avcC box in ffmpeg's MP4")
	}
	size := int(binary.BigEndian.Uint32(mp4[i-4:]))
	return mp4[i+4 : i-4+size]
}

// FuzzConfigurationRecord checks that building a record from any SPS and
// PPS never panics and that a record starts with the SPS's profile.
func FuzzConfigurationRecord(f *testing.F) {
	seeds := map[string][]any{}
	for _, tc := range spsCases {
		seeds[tc.name] = []any{tc.nalu, []byte{0x68, 0xce, 0x3c, 0x80}}
		f.Add(tc.nalu, []byte{0x68, 0xce, 0x3c, 0x80})
	}
	fuzzcorpus.Write(f, "FuzzConfigurationRecord", seeds)
	f.Fuzz(func(t *testing.T, sps, pps []byte) {
		rec, err := ConfigurationRecord([][]byte{sps}, [][]byte{pps})
		if err != nil {
			return
		}
		if rec[0] != 1 || rec[1] != sps[1] || len(rec) < 11+len(sps)+len(pps) {
			t.Fatalf("record % x for SPS % x", rec, sps)
		}
	})
}
