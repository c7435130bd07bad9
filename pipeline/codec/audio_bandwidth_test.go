package codec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestAudioEncoderMonoKeepsStereoBandwidth encodes white noise on both
// channels (mono) at several bitrates, once on the mono encoder and once
// stereo only, and decodes both with FFmpeg: the mono encode ends its
// spectrum where the stereo one does, within 500 Hz. Left to itself,
// FFmpeg's mono encoder takes the whole bitrate for one channel and codes
// up to 20 kHz at 128 kbit/s where the stereo one stops at 16 kHz.
func TestAudioEncoderMonoKeepsStereoBandwidth(t *testing.T) {
	requireFFmpeg(t)
	for _, kbps := range []int{64, 128, 256} {
		t.Run(fmt.Sprintf("%dk", kbps), func(t *testing.T) {
			mono := bandwidth(encodeNoise(t, kbps, false))
			stereo := bandwidth(encodeNoise(t, kbps, true))
			t.Logf("bandwidth: mono %.0f Hz, stereo only %.0f Hz, stereoCutoff %d Hz", mono, stereo, stereoCutoff(kbps))
			if math.Abs(mono-stereo) > 500 {
				t.Errorf("mono encode ends at %.0f Hz, stereo at %.0f Hz: want within 500 Hz", mono, stereo)
			}
		})
	}
}

// encodeNoise encodes 2 s of white noise, equal on both channels, at
// kbps, on the mono encoder or (stereoOnly) not, and decodes it.
func encodeNoise(t *testing.T, kbps int, stereoOnly bool) []float32 {
	t.Helper()
	enc, err := NewAudioEncoder(AudioEncoderConfig{TrackID: "audio", BitrateKbps: kbps})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	enc.monoOff = stereoOnly
	rng := rand.New(rand.NewPCG(1, 2))
	var out []*media.Unit
	for i := range 100 {
		f := &AudioFrame{PTS: time.Duration(i) * 20 * time.Millisecond, SampleRate: SampleRate, Channels: Channels, Samples: make([]float32, 2*960)}
		for j := 0; j < len(f.Samples); j += 2 {
			v := float32(0.3 * (2*rng.Float64() - 1))
			f.Samples[j], f.Samples[j+1] = v, v
		}
		got, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, got...)
	}
	if enc.mono == stereoOnly {
		t.Fatalf("stereo only %v: the encoder ended mono %v", stereoOnly, enc.mono)
	}
	var file []byte
	for _, u := range out {
		file = append(file, adts(enc.Track().Config, u.Data)...)
	}
	path := filepath.Join(t.TempDir(), "noise.aac")
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	return decodeWithFFmpeg(t, path)
}

// bandwidth is the highest frequency, in 250 Hz steps, whose power
// (left channel, Hann-windowed blocks of 1024 samples from 0.2 s on,
// averaged) is within 30 dB of the mean power from 1 to 4 kHz.
func bandwidth(pcm []float32) float64 {
	const n, step = 1024, 250.0
	bands := int(SampleRate / 2 / step)
	power := make([]float64, bands)
	for b := 9600; b+n <= len(pcm)/2-9600; b += n {
		for k := range bands {
			f := (float64(k) + 0.5) * step
			var re, im float64
			for j := range n {
				w := 0.5 - 0.5*math.Cos(2*math.Pi*float64(j)/n)
				x := w * float64(pcm[2*(b+j)])
				a := 2 * math.Pi * f * float64(j) / SampleRate
				re += x * math.Cos(a)
				im -= x * math.Sin(a)
			}
			power[k] += re*re + im*im
		}
	}
	var ref float64
	for k := int(1000 / step); k < int(4000/step); k++ {
		ref += power[k] / (3000 / step)
	}
	for k := bands - 1; k >= 0; k-- {
		if power[k] > ref/1000 {
			return float64(k+1) * step
		}
	}
	return 0
}
