package synth

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/roomcast/roomcast/pipeline/media"
)

// clipSeconds is the length of the generated loop.
const clipSeconds = 3

// clipSpec is one media file to generate with ffmpeg: a cache file name
// and the ffmpeg arguments that write it (the output path is appended).
type clipSpec struct {
	name string
	args []string
}

// videoSpec is the test pattern clip: VP8 in IVF or H.264 as raw Annex-B,
// one keyframe per second.
func videoSpec(codec media.Codec, width, height, fps int) clipSpec {
	args := []string{
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", width, height, fps),
		"-frames:v", strconv.Itoa(clipSeconds * fps), "-an",
	}
	args, ext := appendVideoEncoder(args, codec, fps)
	prefix := fmt.Sprintf("%s-%dx%d-%dfps", strings.ToLower(string(codec)), width, height, fps)
	return clipSpec{name: cacheName(prefix, ext, args), args: args}
}

// appendVideoEncoder appends the encoder arguments for codec, a keyframe
// every gop frames, and returns the file extension they write.
func appendVideoEncoder(args []string, codec media.Codec, gop int) ([]string, string) {
	g := strconv.Itoa(gop)
	if codec == media.CodecH264 {
		return append(args, "-c:v", "libx264", "-profile:v", "baseline", "-tune", "zerolatency",
			"-bf", "0", "-g", g, "-keyint_min", g, "-sc_threshold", "0", "-pix_fmt", "yuv420p", "-f", "h264"), "h264"
	}
	// auto-alt-ref 0 keeps invisible alt-ref frames out of the IVF so each
	// IVF frame is one displayed frame.
	return append(args, "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8",
		"-g", g, "-keyint_min", g, "-b:v", "400k", "-auto-alt-ref", "0", "-lag-in-frames", "0", "-f", "ivf"), "ivf"
}

// audioSpec is the tone clip: a 440 Hz sine as 20 ms stereo Opus packets in
// Ogg. 3 s hold a whole number of periods, so the loop is seamless.
func audioSpec() clipSpec {
	return opusSpec("opus-440hz", "sine=frequency=440:sample_rate=48000")
}

// opusSpec encodes the lavfi audio source as 20 ms stereo Opus packets in Ogg.
func opusSpec(prefix, source string) clipSpec {
	args := []string{
		"-f", "lavfi", "-i", source,
		"-t", strconv.Itoa(clipSeconds), "-vn",
		"-c:a", "libopus", "-frame_duration", "20", "-b:a", "48k", "-ac", "2", "-f", "ogg",
	}
	return clipSpec{name: cacheName(prefix, "ogg", args), args: args}
}

// cacheName derives the file name from the arguments, so a change to them
// never reuses a stale file.
func cacheName(prefix, ext string, args []string) string {
	sum := sha256.Sum256([]byte(strings.Join(args, "\x00")))
	return fmt.Sprintf("%s-%ds-%s.%s", prefix, clipSeconds, hex.EncodeToString(sum[:6]), ext)
}
