package codec

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
)

func TestOpusToAAC(t *testing.T) {
	requireFFmpeg(t)
	for _, channels := range []int{2, 1} {
		t.Run(itoa(channels)+"ch", func(t *testing.T) { testOpusToAAC(t, channels) })
	}
}

func testOpusToAAC(t *testing.T, channels int) {
	const duration = 2 * time.Second
	units, preSkip := mediafixture.OpusUnits(t, duration, channels)
	dec, err := NewAudioDecoder(media.CodecOpus)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	rs, err := NewResampler(SampleRate, Channels)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio"})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()

	var out []*media.Unit
	var pcm []float32
	for i, u := range units {
		frames, err := dec.Decode(u)
		if err != nil {
			t.Fatalf("decode packet %d: %v", i, err)
		}
		for _, f := range frames {
			if f.SampleRate != SampleRate || f.Channels != Channels || f.PTS != u.PTS {
				t.Fatalf("packet %d: frame %d Hz %d ch at %s, want 48000 Hz 2 ch at %s", i, f.SampleRate, f.Channels, f.PTS, u.PTS)
			}
			r, err := rs.Resample(f)
			if err != nil {
				t.Fatal(err)
			}
			pcm = append(pcm, r.Samples...)
			got, err := enc.Encode(r)
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
	out = append(out, rest...)
	inSamples := len(pcm) / Channels

	tr := enc.Track()
	if !bytes.Equal(tr.Config, []byte{0x11, 0x90}) || tr.SampleRate != 48000 || tr.Channels != 2 || tr.BitrateKbps != 128 {
		t.Errorf("track %+v, want AAC-LC 48 kHz stereo config 11 90", tr)
	}
	// PTS continuous: 1024 samples apart, from the priming frame on.
	for i, u := range out {
		want := samplesToDuration(int64(i-1)*1024, SampleRate)
		if u.PTS != want || u.DTS != u.PTS || !u.Key || len(u.Data) == 0 {
			t.Fatalf("unit %d: PTS %s DTS %s key %v, want PTS %s", i, u.PTS, u.DTS, u.Key, want)
		}
	}

	path := filepath.Join(t.TempDir(), "out.aac")
	var adtsFile []byte
	for _, u := range out {
		adtsFile = append(adtsFile, adts(tr.Config, u.Data)...)
	}
	if err := os.WriteFile(path, adtsFile, 0o644); err != nil {
		t.Fatal(err)
	}
	decoded := decodeWithFFmpeg(t, path)

	// ADTS cannot signal the encoder delay (1024 samples) that FLV and MP4
	// carry, so it is taken off here; what remains is the last frame's
	// padding, under 1024 samples.
	outSamples := len(decoded)/Channels - 1024
	diff := samplesToDuration(int64(outSamples-inSamples), SampleRate)
	t.Logf("%d ch: opus %d packets, %d samples decoded (pre-skip %d), aac %d frames, %d samples decoded (+1024 priming): %s longer",
		channels, len(units), inSamples, preSkip, len(out), outSamples, diff)
	if diff < 0 || diff > 30*time.Millisecond {
		t.Errorf("AAC lasts %s more than its input, want 0 to 30ms", diff)
	}
	source := samplesToDuration(int64(inSamples-preSkip), SampleRate)
	if d := source - duration; d < 0 || d > 20*time.Millisecond {
		t.Errorf("opus input lasts %s, want %s", source, duration)
	}
	// In sync: decoded sample k is at the first unit's PTS + k, so the
	// input's sample j is the decoded 1024 + j.
	var residual []float32
	for j := 4800; j < inSamples-4800; j++ {
		residual = append(residual, decoded[2*(1024+j)]-pcm[2*j])
	}
	if r := Level(residual) - Level(pcm); r > -30 {
		t.Errorf("decoded AAC minus input: %.1f dB, want under -30 (misaligned?)", r)
	} else {
		t.Logf("decoded AAC minus input: %.1f dB", r)
	}
	// Same loudness in as out (the sine of lavfi is at 1/8 full scale).
	in, got := Level(pcm[preSkip*2:]), Level(decoded[2048+preSkip*2:2*inSamples])
	if math.Abs(in-got) > 1 || math.Abs(in-(-18.06-3.01)) > 0.5 {
		t.Errorf("level in %.2f dBFS, out %.2f dBFS", in, got)
	}
}

// decodeWithFFmpeg decodes path to 48 kHz stereo float32, failing on any
// message from ffmpeg.
func decodeWithFFmpeg(t *testing.T, path string) []float32 {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-ar", "48000", "-ac", "2", "-")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil || stderr.Len() != 0 {
		t.Fatalf("ffmpeg decode %s: %v %s", path, err, stderr.String())
	}
	pcm := make([]float32, len(raw)/4)
	if err := binary.Read(bytes.NewReader(raw), binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	return pcm
}
