package vp8

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// frameCases feed TestParseFrameHeader and the seeds of
// FuzzParseFrameHeader; bad means an error.
var frameCases = []struct {
	name string
	in   []byte
	want FrameHeader
	bad  bool
}{
	// Tag 0x000210 >> 5 = 16; key, version 0, shown; 320x240.
	{"key 320x240", []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00, 0xaa},
		FrameHeader{KeyFrame: true, ShowFrame: true, FirstPartitionSize: 16, Width: 320, Height: 240}, false},
	{"key scaled, version 1", []byte{0x12, 0x00, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x42, 0x68, 0xc1},
		FrameHeader{KeyFrame: true, Version: 1, ShowFrame: true, FirstPartitionSize: 2048, Width: 0x280, Height: 0x168,
			HorizontalScale: 1, VerticalScale: 3}, false},
	{"inter", []byte{0x31, 0x02, 0x00, 0xaa}, FrameHeader{ShowFrame: true, FirstPartitionSize: 17}, false},
	{"inter hidden, largest partition", []byte{0xe5, 0xff, 0xff},
		FrameHeader{Version: 2, FirstPartitionSize: 1<<19 - 1}, false},
	{"empty", nil, FrameHeader{}, true},
	{"short tag", []byte{0x10, 0x02}, FrameHeader{}, true},
	{"key truncated header", []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40}, FrameHeader{}, true},
	{"key bad start code", []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2b, 0x40, 0x01, 0xf0, 0x00}, FrameHeader{}, true},
	{"key zero width", []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x00, 0xc0, 0xf0, 0x00}, FrameHeader{}, true},
	{"key zero height", []byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0x00, 0x40}, FrameHeader{}, true},
}

func TestParseFrameHeader(t *testing.T) {
	for _, tc := range frameCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFrameHeader(tc.in)
			if tc.bad {
				if !errors.Is(err, ErrBadFrame) {
					t.Fatalf("ParseFrameHeader = %+v, %v; want ErrBadFrame", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseFrameHeader = %+v, %v; want %+v", got, err, tc.want)
			}
			if got.KeyFrame != IsKeyFrame(tc.in) || got.KeyFrame != HasKeyFrameStart(tc.in) {
				t.Errorf("IsKeyFrame %v, HasKeyFrameStart %v for a header saying %v",
					IsKeyFrame(tc.in), HasKeyFrameStart(tc.in), got.KeyFrame)
			}
		})
	}
}

func TestKeyFrameStart(t *testing.T) {
	cases := []struct {
		in          []byte
		tag, header bool
	}{
		{nil, false, false},
		{[]byte{0x10}, true, false},
		{[]byte{0x10, 0x02, 0x00, 0x9d, 0x01}, true, false},
		{[]byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true, true},
		{[]byte{0x10, 0x02, 0x00, 0x9d, 0x01, 0x2b}, true, false},
		{[]byte{0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a}, false, false},
	}
	for _, tc := range cases {
		if IsKeyFrame(tc.in) != tc.tag || HasKeyFrameStart(tc.in) != tc.header {
			t.Errorf("% x: IsKeyFrame %v, HasKeyFrameStart %v; want %v, %v",
				tc.in, IsKeyFrame(tc.in), HasKeyFrameStart(tc.in), tc.tag, tc.header)
		}
	}
}

// TestParseFrameHeaderFromFFmpeg reads the frames libvpx writes: a key
// frame of the encoded size every 5 frames, inter frames between, and every
// first partition inside its frame.
func TestParseFrameHeaderFromFFmpeg(t *testing.T) {
	for _, size := range [][2]int{{320, 240}, {642, 362}} {
		frames := encodeVP8(t, size[0], size[1], 10)
		if len(frames) != 10 {
			t.Fatalf("%d frames, want 10", len(frames))
		}
		for i, f := range frames {
			h, err := ParseFrameHeader(f)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if h.KeyFrame != (i%5 == 0) || !h.ShowFrame || h.Len()+h.FirstPartitionSize > len(f) {
				t.Errorf("frame %d of %d bytes: %+v", i, len(f), h)
			}
			if h.KeyFrame && (h.Width != size[0] || h.Height != size[1]) {
				t.Errorf("frame %d: %dx%d, want %dx%d", i, h.Width, h.Height, size[0], size[1])
			}
		}
	}
}

// encodeVP8 encodes n frames with libvpx into IVF and returns the frames.
func encodeVP8(t *testing.T, w, h, n int) [][]byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "v.ivf")
	out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=25", w, h),
		"-frames:v", fmt.Sprint(n), "-c:v", "libvpx", "-g", "5", "-auto-alt-ref", "0", "-f", "ivf", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for b = b[32:]; len(b) >= 12; { // IVF file header, then 12-byte frame headers
		size := int(binary.LittleEndian.Uint32(b))
		if 12+size > len(b) {
			t.Fatal("truncated IVF frame")
		}
		frames, b = append(frames, b[12:12+size]), b[12+size:]
	}
	return frames
}

// FuzzParseFrameHeader checks that parsing never panics, that an accepted
// key frame has a size, and that the key frame predicates agree with it.
func FuzzParseFrameHeader(f *testing.F) {
	seeds := map[string][]byte{}
	for _, tc := range frameCases {
		seeds[tc.name] = tc.in
	}
	fuzzcorpus.AddBytes(f, "FuzzParseFrameHeader", seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseFrameHeader(b)
		if err != nil {
			return
		}
		if h.KeyFrame != IsKeyFrame(b) || h.KeyFrame && (!HasKeyFrameStart(b) || h.Width == 0 || h.Height == 0) {
			t.Fatalf("% x: %+v", b, h)
		}
	})
}
