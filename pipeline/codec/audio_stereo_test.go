package codec

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/codecs/aac"
	"github.com/roomcast/roomcast/pipeline/media"
)

// switchingPCM is 6 s of 48 kHz stereo in 20 ms frames: a voice-like
// tone on both channels (mono), then from frame on for 1.5 s panned left
// (stereo), then with a side 100 dB under the mid (mono as far as AAC
// goes), panned left again for 0.8 s from 2.2 s after on (the stereo
// encoder's second time, warm), and mono again. The tone is harmonic-rich: on two pure tones FFmpeg's stereo
// encoder decodes some blocks 10 to 24 dB better or worse depending only
// on the frame it started at, which would swamp what this test looks for.
func switchingPCM(on int) []*AudioFrame {
	const frame = 960
	var frames []*AudioFrame
	for i := range 300 {
		f := &AudioFrame{PTS: time.Duration(i) * 20 * time.Millisecond, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 2*frame)}
		for j := range frame {
			l := voiceLike(float64(i*frame+j) / SampleRate)
			r := l
			switch {
			case i >= on && i < on+75, i >= on+110 && i < on+150:
				r = 0.4 * l
			case i >= on+75: // a side 100 dB under the mid: mono still
				r = l * (1 + 2e-5)
			}
			f.Samples[2*j], f.Samples[2*j+1] = float32(l), float32(r)
		}
		frames = append(frames, f)
	}
	return frames
}

// voiceLike is 30 harmonics of 150 Hz, falling as 1/k, under a 3 Hz
// tremolo.
func voiceLike(t float64) float64 {
	v := 0.0
	for k := 1; k <= 30; k++ {
		v += math.Sin(2*math.Pi*150*float64(k)*t+float64(k*k)) / float64(k)
	}
	return 0.12 * v * (0.75 + 0.25*math.Sin(2*math.Pi*3*t))
}

// switchOnsets are the frames where the stereo part starts: AAC frames
// are 1024 samples and input frames 960, so each meets a block at a
// different phase.
var switchOnsets = []int{60, 67, 75, 82, 89}

// TestAudioEncoderSwitchesMonoStereo feeds mono, stereo, then mono audio,
// with the stereo part starting at several frames: the encoder encodes
// the mono parts on its mono encoder and the stereo part on its stereo
// one, the units stay 1024 samples apart through both switches, the mono
// parts decode (with FFmpeg) to equal channels, and every block of 1024
// samples decodes within -15 dB of the input, or within 6 dB of a
// stereo-only encode where that is worse: the splices do not click. (A
// stereo encoder started at another frame than the stereo-only one
// decodes a few blocks of this tone more than 3 dB apart from it.)
func TestAudioEncoderSwitchesMonoStereo(t *testing.T) {
	requireFFmpeg(t)
	for _, on := range switchOnsets {
		t.Run(fmt.Sprintf("onset-%d", on), func(t *testing.T) { checkSwitching(t, on) })
	}
}

func checkSwitching(t *testing.T, on int) {
	pcm, switched := encodeSwitching(t, on, false)
	_, stereo := encodeSwitching(t, on, true)
	n := min(len(switched), len(stereo), len(pcm)) / 2
	if n < len(pcm)/2-1024 {
		t.Fatalf("decoded %d and %d samples of %d", len(switched)/2, len(stereo)/2, len(pcm)/2)
	}
	// A splice that clicks decodes its block about 8 dB under the input
	// (primed with 2 frames); the encoder alone, at 20 to 40 dB, or where
	// the content itself steps, no better in a stereo-only encode. The
	// last mono block before a stereo onset, coded as the mid alone, has
	// no side in the half of its window that overlaps the onset: about
	// 20 dB under the input at some onsets, a softened start of the
	// stereo, not a click.
	const floor = -15
	worst, worstAt := -200.0, 0
	for b := 2048; b+1024 <= n; b += 1024 {
		in := Level(pcm[2*b : 2*b+2048])
		r, rs := residual(pcm, switched, b)-in, residual(pcm, stereo, b)-in
		if d := r - max(floor, rs+6); d > worst {
			worst, worstAt = d, b
		}
	}
	at := float64(worstAt) / SampleRate
	r, rs := residual(pcm, switched, worstAt), residual(pcm, stereo, worstAt)
	in := Level(pcm[2*worstAt : 2*worstAt+2048])
	t.Logf("block closest to the limit, at %.2f s: %.1f dB from the input, stereo-only %.1f dB", at, r-in, rs-in)
	if worst > 0 {
		t.Errorf("block at %.2f s decodes %.1f dB from the input, stereo-only %.1f dB: want under %d dB or the stereo-only's + 6", at, r-in, rs-in, floor)
	}
	equal := func(from, to float64) bool {
		for j := int(from * SampleRate); j < int(to*SampleRate); j++ {
			if switched[2*j] != switched[2*j+1] {
				return false
			}
		}
		return true
	}
	onAt := float64(on) * 0.02
	got := []bool{equal(0.2, onAt-0.1), equal(onAt+0.2, onAt+1.4), equal(onAt+1.95, onAt+2.1), equal(onAt+2.3, onAt+2.9), equal(onAt+3.5, 5.9)}
	if !slices.Equal(got, []bool{true, false, true, false, true}) {
		t.Errorf("equal channels in the mono, stereo, mono, stereo and mono parts: %v, want true, false, true, false, true", got)
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

// encodeSwitching encodes switchingPCM(on), with the mono encoder or
// (stereoOnly) without, checks the units and the switches, and decodes
// them with FFmpeg, less the priming.
func encodeSwitching(t *testing.T, on int, stereoOnly bool) (pcm, decoded []float32) {
	t.Helper()
	enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio"})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	enc.monoOff = stereoOnly
	var out []*media.Unit
	var modes []bool
	for i, f := range switchingPCM(on) {
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
	// Stereo from the first whole block of each stereo part, for a third
	// of a second after it, then mono again; the second time on the
	// encoders opened for the first.
	at := []int{10, on - 1, on + 1, on + 74, on + 75, on + 109, on + 111, on + 149, 299}
	m := !stereoOnly
	want := []bool{m, m, false, false, false, m, false, false, m}
	var got []bool
	for _, i := range at {
		got = append(got, modes[i])
	}
	if !slices.Equal(got, want) {
		t.Errorf("mono at frames %v: %v, want %v", at, got, want)
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
	t.Logf("stereo only %v: %d units, %d encoder switches, %d opened", stereoOnly, len(out), enc.switches, enc.opens)
	if wantSwitches := 5; !stereoOnly && (enc.switches != wantSwitches || enc.opens != 2) {
		t.Errorf("%d switches on %d encoders opened, want %d on 2 (the stereo one of NewAudioEncoder, then the mono one, both kept)", enc.switches, enc.opens, wantSwitches)
	}
	return pcm, decodeWithFFmpeg(t, path)[2*1024:]
}

func TestSideOf(t *testing.T) {
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
		want sideKind
	}{
		{"equal", frame(func(i int) (float64, float64) { return tone(i), tone(i) }), sideNone},
		{"side 100 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * (1 + 2e-5) }), sideNone},
		{"side 46 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.99 }), sideNone},
		{"side 36 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.97 }), sideFaint},
		{"side 30.2 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.94 }), sideFaint},
		{"side 29 dB under", frame(func(i int) (float64, float64) { return tone(i), tone(i) * 0.93 }), sideStereo},
		{"left only", frame(func(i int) (float64, float64) { return tone(i), 0 }), sideStereo},
		{"silence", make([]float32, 2048), sideNone},
		{"side at -110 dBFS in silence", frame(func(i int) (float64, float64) { return 3e-6 * tone(i), -3e-6 * tone(i) }), sideNone},
		{"side at -80 dBFS in silence", frame(func(i int) (float64, float64) { return 3e-4 * tone(i), -3e-4 * tone(i) }), sideStereo},
	} {
		if got := sideOf(c.pcm); got != c.want {
			t.Errorf("%s: sideOf %v, want %v", c.name, got, c.want)
		}
	}
}

// TestAudioEncoderFaintSide feeds the voice-like tone mono with a side
// 35 dB under the mid for some frames (or 25 dB under, for one): a
// blip of faint side of one or two frames, as a stereo Opus stream of a
// mono source has now and then, leaves the encoder mono; three frames of
// it, or one louder, switch it to stereo at once.
func TestAudioEncoderFaintSide(t *testing.T) {
	for _, c := range []struct {
		name   string
		frames int
		r      float64 // the right channel against the left in them
		stereo bool
	}{
		{"one frame 35 dB under", 1, 0.965, false},
		{"two frames 35 dB under", 2, 0.965, false},
		{"three frames 35 dB under", 3, 0.965, true},
		{"one frame 25 dB under", 1, 0.89, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio"})
			if err != nil {
				t.Fatal(err)
			}
			defer enc.Close()
			const at = 40 // the blip's first frame of 1024 samples
			stereoAt := -1
			for i := range 80 {
				r := 1.0
				if i >= at && i < at+c.frames {
					r = c.r
				}
				f := &AudioFrame{PTS: time.Duration(i) * 1024 * time.Second / SampleRate, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 2*1024)}
				for j := range 1024 {
					l := voiceLike(float64(i*1024+j) / SampleRate)
					f.Samples[2*j], f.Samples[2*j+1] = float32(l), float32(r*l)
				}
				if _, err := enc.Encode(f); err != nil {
					t.Fatal(err)
				}
				if !enc.mono && stereoAt < 0 {
					stereoAt = i
				}
			}
			want := -1
			if c.stereo {
				want = at
				if c.frames > 1 {
					want = at + faintFrames - 1
				}
			}
			if stereoAt != want {
				t.Errorf("stereo from frame %d, want %d (-1: never)", stereoAt, want)
			}
		})
	}
}

// TestAudioEncoderFreesSpare checks that the encoder not in use is kept
// warm for spareKeep after a switch, then freed, and opened anew when a
// switch needs it again.
func TestAudioEncoderFreesSpare(t *testing.T) {
	enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio"})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	frame := func(i int, r float64) *AudioFrame {
		f := &AudioFrame{PTS: time.Duration(i) * 20 * time.Millisecond, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 2*960)}
		for j := range 960 {
			l := voiceLike(float64(i*960+j) / SampleRate)
			f.Samples[2*j], f.Samples[2*j+1] = float32(l), float32(r*l)
		}
		return f
	}
	keep := spareKeep / 960
	for i := range keep + 60 {
		if _, err := enc.Encode(frame(i, 1)); err != nil {
			t.Fatal(err)
		}
		if held := enc.spare.cc != nil; i == keep-5 && !held || i == keep+55 && held {
			t.Fatalf("frame %d of mono: spare held %v", i, held)
		}
	}
	if _, err := enc.Encode(frame(keep+60, 0.4)); err != nil {
		t.Fatal(err)
	}
	if enc.mono || enc.opens != 3 || enc.spare.cc == nil || !enc.spare.mono {
		t.Errorf("after a stereo frame: mono %v, %d opened, spare %v mono %v; want stereo, 3, the mono one", enc.mono, enc.opens, enc.spare.cc != nil, enc.spare.mono)
	}
}
