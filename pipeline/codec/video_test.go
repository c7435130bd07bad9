package codec

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// transcode decodes units, scales every frame and encodes it.
func transcode(t testing.TB, dec *VideoDecoder, sc *Scaler, enc *VideoEncoder, units []*media.Unit) (out []*media.Unit, decoded []*VideoFrame) {
	t.Helper()
	for _, u := range units {
		frames, err := dec.Decode(u)
		if err != nil {
			t.Fatalf("decode unit at %s: %v", u.PTS, err)
		}
		for _, f := range frames {
			decoded = append(decoded, f)
			s, err := sc.Scale(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := enc.Encode(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, got...)
		}
	}
	rest, err := enc.Flush()
	if err != nil {
		t.Fatal(err)
	}
	return append(out, rest...), decoded
}

func TestVP8ToH264(t *testing.T) {
	requireFFmpeg(t)
	clip := testClip{width: 320, height: 240, fps: 30, duration: 4500 * time.Millisecond}
	units := vp8Units(t, clip)

	dec, err := NewVideoDecoder(media.CodecVP8)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	sc, err := NewScaler(640, 360, FitContain)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	enc, err := NewVideoEncoder(VideoEncoderConfig{TrackID: "video", Width: 640, Height: 360, FPS: 30, BitrateKbps: 1500})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()

	start := time.Now()
	out, decoded := transcode(t, dec, sc, enc, units)
	t.Logf("%d VP8 frames 320x240 → %d H.264 units 640x360 in %s", len(units), len(out), time.Since(start))
	if len(decoded) != len(units) || len(out) != len(units) {
		t.Fatalf("%d units in, %d decoded, %d encoded", len(units), len(decoded), len(out))
	}
	checkH264Units(t, enc, units, out, []time.Duration{0, 2 * time.Second, 4 * time.Second})

	path := filepath.Join(t.TempDir(), "out.h264")
	writeUnits(t, path, out)
	checkH264File(t, path, 640, 360, []int{0, 60, 120})

	// 4:3 in 16:9: pillarbox, 480x360 picture in the middle, black bars.
	s, err := sc.Scale(decoded[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []int{0, 79, 560, 639} {
		if y := s.Y[180*s.StrideY+x]; y != blackY {
			t.Errorf("Y at (%d, 180) = %d, want black bar %d", x, y, blackY)
		}
	}
	if y := s.Y[180*s.StrideY+320]; y == blackY {
		t.Errorf("Y at the centre is black")
	}
}

// checkH264Units checks encoded units against the units they came from:
// same PTS, DTS == PTS (no B-frames), keyframes exactly at keys, SPS and
// PPS in every keyframe and in the track config.
func checkH264Units(t *testing.T, enc *VideoEncoder, in, out []*media.Unit, keys []time.Duration) {
	t.Helper()
	tr := enc.Track()
	if tr.Codec != media.CodecH264 || tr.Width != 640 || tr.Height != 360 || tr.FPS != 30 || tr.BitrateKbps != 1500 {
		t.Errorf("track %+v", tr)
	}
	if got := nalTypes(tr.Config); !slices.Equal(got, []h264.NALUType{h264.NALUTypeSPS, h264.NALUTypePPS}) {
		t.Errorf("track config NAL types %v, want SPS PPS", got)
	}
	var gotKeys []time.Duration
	for i, u := range out {
		if u.PTS != in[i].PTS || u.DTS != u.PTS {
			t.Fatalf("unit %d: PTS %s DTS %s, want both %s", i, u.PTS, u.DTS, in[i].PTS)
		}
		if u.Track != tr || len(u.Data) < 5 || !slices.Equal(u.Data[:4], []byte{0, 0, 0, 1}) {
			t.Fatalf("unit %d: bad track or start code % x", i, u.Data[:min(5, len(u.Data))])
		}
		types := nalTypes(u.Data)
		hasIDR := slices.Contains(types, h264.NALUTypeIDR)
		if u.Key != hasIDR {
			t.Errorf("unit %d: Key %v, NAL types %v", i, u.Key, types)
		}
		if u.Key {
			gotKeys = append(gotKeys, u.PTS)
			if !slices.Contains(types, h264.NALUTypeSPS) || !slices.Contains(types, h264.NALUTypePPS) {
				t.Errorf("keyframe %d at %s: NAL types %v, want SPS and PPS", i, u.PTS, types)
			}
		}
	}
	if !slices.Equal(gotKeys, keys) {
		t.Errorf("keyframes at %v, want %v", gotKeys, keys)
	}
}

// checkH264File checks with ffprobe and ffmpeg that path is a clean
// w×h H.264 stream with keyframes at the given frame indices and no
// B-frames.
func checkH264File(t *testing.T, path string, w, h int, keys []int) {
	t.Helper()
	stream := strings.TrimSpace(ffprobe(t, "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", path))
	if want := "h264," + itoa(w) + "," + itoa(h); stream != want {
		t.Errorf("ffprobe stream %q, want %q", stream, want)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("ffmpeg decode of %s: %v %s", path, err, out)
	}
	frames := strings.Fields(ffprobe(t, "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0", path))
	var gotKeys []int
	for i, f := range frames {
		if strings.HasPrefix(f, "1,") {
			gotKeys = append(gotKeys, i)
		}
		if strings.HasSuffix(f, ",B") {
			t.Errorf("frame %d is a B-frame", i)
		}
	}
	if !slices.Equal(gotKeys, keys) {
		t.Errorf("ffprobe keyframes at frames %v, want %v", gotKeys, keys)
	}
}

// nalTypes lists the NAL unit types of an Annex-B stream.
func nalTypes(b []byte) []h264.NALUType {
	var types []h264.NALUType
	for _, n := range h264.SplitAnnexB(b) {
		types = append(types, h264.Type(n))
	}
	return types
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestH264SizeChange(t *testing.T) {
	requireFFmpeg(t)
	// A participant switches from 320x240 to 640x480 (simulcast layer
	// change): the second stream starts with its own SPS, PPS and IDR.
	small := testClip{width: 320, height: 240, fps: 30, duration: time.Second}
	large := testClip{width: 640, height: 480, fps: 30, duration: 1500 * time.Millisecond}
	units := h264Units(t, small, 0)
	units = append(units, h264Units(t, large, small.duration)...)

	dec, err := NewVideoDecoder(media.CodecH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	sc, err := NewScaler(640, 360, FitContain)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	enc, err := NewVideoEncoder(VideoEncoderConfig{Width: 640, Height: 360, FPS: 30, BitrateKbps: 1500, KeyframeInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()

	out, decoded := transcode(t, dec, sc, enc, units)
	rest, err := dec.Flush()
	if err != nil || len(rest) != 0 {
		t.Fatalf("decoder flush: %d frames, %v", len(rest), err)
	}
	if len(decoded) != len(units) || len(out) != len(units) {
		t.Fatalf("%d units in, %d decoded, %d encoded", len(units), len(decoded), len(out))
	}
	for i, f := range decoded {
		want := small
		if i >= 30 {
			want = large
		}
		if f.Width != want.width || f.Height != want.height || f.PTS != units[i].PTS {
			t.Fatalf("frame %d: %dx%d at %s, want %dx%d at %s", i, f.Width, f.Height, f.PTS, want.width, want.height, units[i].PTS)
		}
	}
	if g := sc.in; g.srcW != 640 || g.srcH != 480 || g.dstW != 480 || g.dstH != 360 {
		t.Errorf("scaler geometry after the change %+v", g)
	}
	path := filepath.Join(t.TempDir(), "out.h264")
	writeUnits(t, path, out)
	checkH264File(t, path, 640, 360, []int{0, 30, 60})
}

func TestH264OtherPixelFormats(t *testing.T) {
	requireFFmpeg(t)
	clip := testClip{width: 162, height: 98, fps: 30, duration: 300 * time.Millisecond}
	ref := h264Units(t, clip, 0, "-pix_fmt", "yuv420p", "-qp", "0")
	want, err := decodeH264(ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, pixFmt := range []string{"yuv422p", "yuv444p", "yuvj420p", "yuv420p10le"} {
		t.Run(pixFmt, func(t *testing.T) {
			frames, err := decodeH264(h264Units(t, clip, 0, "-pix_fmt", pixFmt, "-qp", "0"))
			if err != nil {
				t.Fatal(err)
			}
			if len(frames) != len(want) {
				t.Fatalf("%d frames, want %d", len(frames), len(want))
			}
			for i, f := range frames {
				if err := f.Validate(); err != nil || f.Width != 162 || f.Height != 98 || f.PTS != want[i].PTS {
					t.Fatalf("frame %d: %dx%d at %s: %v", i, f.Width, f.Height, f.PTS, err)
				}
			}
			// Lossless sources: the converted picture is the 4:2:0 one, give
			// or take the chroma filter and rounding.
			if d := meanAbsDiff(frames[0].Y, want[0].Y); d > 1 {
				t.Errorf("luma differs from the yuv420p decode by %.2f on average", d)
			}
			if d := meanAbsDiff(frames[0].U, want[0].U); d > 4 {
				t.Errorf("chroma differs from the yuv420p decode by %.2f on average", d)
			}
		})
	}
}

// decodeH264 decodes units with a new decoder.
func decodeH264(units []*media.Unit) ([]*VideoFrame, error) {
	dec, err := NewVideoDecoder(media.CodecH264)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	var frames []*VideoFrame
	for _, u := range units {
		fs, err := dec.Decode(u)
		if err != nil {
			return nil, err
		}
		frames = append(frames, fs...)
	}
	rest, err := dec.Flush()
	return append(frames, rest...), err
}

func meanAbsDiff(a, b []byte) float64 {
	sum := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a))
}
