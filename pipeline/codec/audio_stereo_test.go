package codec

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/aac"
	"github.com/roomcast/roomcast/pipeline/media"
)

// switchingPCM is 4.5 s of 48 kHz stereo in 20 ms frames: two tones on
// both channels (mono), then panned left (stereo), then with a side 100
// dB under the mid (mono as far as AAC goes), 1.5 s each. (Different tones on each channel make FFmpeg's intensity stereo
// err by 10 dB in some blocks, depending on where the encoder started:
// not what this test is about.)
func switchingPCM() []*AudioFrame {
	const frame = 960
	var frames []*AudioFrame
	for i := range 225 {
		f := &AudioFrame{PTS: time.Duration(i) * 20 * time.Millisecond, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 2*frame)}
		stereo := i >= 75 && i < 150
		for j := range frame {
			t := float64(i*frame+j) / SampleRate
			l := 0.3*math.Sin(2*math.Pi*440*t) + 0.1*math.Sin(2*math.Pi*3000*t)
			r := l
			switch {
			case stereo:
				r = 0.4 * l
			case i >= 150: // a side 100 dB under the mid: mono still
				r = l * (1 + 2e-5)
			}
			f.Samples[2*j], f.Samples[2*j+1] = float32(l), float32(r)
		}
		frames = append(frames, f)
	}
	return frames
}

// TestAudioEncoderSwitchesMonoStereo feeds mono, stereo, then mono audio:
// the encoder encodes the mono parts on its mono encoder and the stereo
// part on its stereo one, the units stay 1024 samples apart through both
// switches, the mono parts decode (with FFmpeg) to equal channels, and
// every block of 1024 samples decodes within -20 dB of the input, or
// within 3 dB of a stereo-only encode where that is worse: the splices do
// not click.
func TestAudioEncoderSwitchesMonoStereo(t *testing.T) {
	requireFFmpeg(t)
	pcm, switched := encodeSwitching(t, false)
	_, stereo := encodeSwitching(t, true)
	n := min(len(switched), len(stereo), len(pcm)) / 2
	if n < len(pcm)/2-1024 {
		t.Fatalf("decoded %d and %d samples of %d", len(switched)/2, len(stereo)/2, len(pcm)/2)
	}
	// A splice that clicks decodes its block about 8 dB under the input
	// (primed with 2 frames); the encoder alone, at 20 to 40 dB, or where
	// the content itself steps, no better in a stereo-only encode.
	worst, worstAt := -200.0, 0
	for b := 2048; b+1024 <= n; b += 1024 {
		in := Level(pcm[2*b : 2*b+2048])
		r, rs := residual(pcm, switched, b)-in, residual(pcm, stereo, b)-in
		if d := r - max(-20, rs+3); d > worst {
			worst, worstAt = d, b
		}
	}
	at := float64(worstAt) / SampleRate
	r, rs := residual(pcm, switched, worstAt), residual(pcm, stereo, worstAt)
	in := Level(pcm[2*worstAt : 2*worstAt+2048])
	t.Logf("block closest to the limit, at %.2f s: %.1f dB from the input, stereo-only %.1f dB", at, r-in, rs-in)
	if worst > 0 {
		t.Errorf("block at %.2f s decodes %.1f dB from the input, stereo-only %.1f dB: want under -20 dB or the stereo-only's + 3", at, r-in, rs-in)
	}
	equal := func(from, to float64) bool {
		for j := int(from * SampleRate); j < int(to*SampleRate); j++ {
			if switched[2*j] != switched[2*j+1] {
				return false
			}
		}
		return true
	}
	if !equal(0.2, 1.4) || !equal(4.1, 4.4) || equal(1.7, 2.9) {
		t.Errorf("equal channels: %v for 0.2-1.4 s, %v for 4.1-4.4 s, %v for 1.7-2.9 s; want true, true, false",
			equal(0.2, 1.4), equal(4.1, 4.4), equal(1.7, 2.9))
	}
}

// residual is the level of decoded minus pcm over the 1024 samples from b.
func residual(pcm, decoded []float32, b int) float64 {
	res := make([]float32, 0, 2048)
	for j := b; j < b+1024; j++ {
		res = append(res, decoded[2*j]-pcm[2*j], decoded[2*j+1]-pcm[2*j+1])
	}
	return Level(res)
}

// encodeSwitching encodes switchingPCM, with the mono encoder or
// (stereoOnly) without, checks the units and the switches, and decodes
// them with FFmpeg, less the priming.
func encodeSwitching(t *testing.T, stereoOnly bool) (pcm, decoded []float32) {
	t.Helper()
	enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio"})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	enc.monoOff = stereoOnly
	var out []*media.Unit
	var modes []bool
	for i, f := range switchingPCM() {
		pcm = append(pcm, f.Samples...)
		got, err := enc.Encode(f)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		out = append(out, got...)
		modes = append(modes, enc.mono)
	}
	for i, h := range enc.history {
		if want := enc.sent - int64(primeFrames-i)*1024; len(h.pcm) != 2048 || h.pts != want {
			t.Fatalf("history %d: %d samples at %d, want 2048 at %d", i, len(h.pcm), h.pts, want)
		}
	}
	rest, err := enc.Flush()
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, rest...)
	want := []bool{!stereoOnly, !stereoOnly, false, false, false, !stereoOnly}
	if got := []bool{modes[10], modes[74], modes[75], modes[149], modes[150], modes[224]}; !slices.Equal(got, want) {
		t.Errorf("mono at frames 10, 74, 75, 149, 150, 224: %v, want %v", got, want)
	}
	for i, u := range out {
		if want := samplesToDuration(int64(i-1)*1024, SampleRate); u.PTS != want {
			t.Fatalf("unit %d at %s, want %s", i, u.PTS, want)
		}
	}
	tr := enc.Track()
	if cc, err := aac.ChannelConfig(tr.Config); err != nil || cc != 2 || tr.Channels != 2 {
		t.Fatalf("track %+v: channel configuration %d %v, want stereo", tr, cc, err)
	}
	var file []byte
	for _, u := range out {
		file = append(file, adts(tr.Config, u.Data)...)
	}
	path := filepath.Join(t.TempDir(), "switch.aac")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("stereo only %v: %d units, %d encoder switches", stereoOnly, len(out), enc.switches)
	return pcm, decodeWithFFmpeg(t, path)[2*1024:]
}

func TestNearlyMono(t *testing.T) {
	frame := func(f func(i int) (l, r float64)) []float32 {
		pcm := make([]float32, 2*1024)
		for i := range 1024 {
			l, r := f(i)
			pcm[2*i], pcm[2*i+1] = float32(l), float32(r)
		}
		return pcm
	}
	tone := func(i int) float64 { return 0.3 * math.Sin(2*math.Pi*440*float64(i)/SampleRate) }
	for _, c := range []struct {
		name string
		pcm  []float32
		mono bool
	}{
		{"equal", frame(func(i int) (float64, float64) { return tone(i), tone(i) }), true},
		{"side 100 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * (1 + 2e-5) }), true},
		{"side 46 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.99 }), true},
		{"side 30 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.94 }), false},
		{"left only", frame(func(i int) (float64, float64) { return tone(i), 0 }), false},
		{"silence", make([]float32, 2048), true},
		{"side at -110 dBFS in silence", frame(func(i int) (float64, float64) { return 3e-6 * tone(i), -3e-6 * tone(i) }), true},
		{"side at -80 dBFS in silence", frame(func(i int) (float64, float64) { return 3e-4 * tone(i), -3e-4 * tone(i) }), false},
	} {
		if got := nearlyMono(c.pcm); got != c.mono {
			t.Errorf("%s: nearlyMono %v, want %v", c.name, got, c.mono)
		}
	}
}
