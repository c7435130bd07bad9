package codec

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// sine returns n samples per channel of a sine at freq Hz and amplitude a.
func sine(n, rate, channels int, freq, a float64) []float32 {
	pcm := make([]float32, n*channels)
	for i := range n {
		s := float32(a * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		for c := range channels {
			pcm[i*channels+c] = s
		}
	}
	return pcm
}

// zeroCrossings counts sign changes of channel 0.
func zeroCrossings(pcm []float32, channels int) int {
	n := 0
	for i := channels; i < len(pcm); i += channels {
		if (pcm[i-channels] < 0) != (pcm[i] < 0) {
			n++
		}
	}
	return n
}

func TestResampler(t *testing.T) {
	rs, err := NewResampler(SampleRate, Channels)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	// One second of 44.1 kHz mono in 10 ms frames, then a switch to 16 kHz.
	var out []float32
	var first time.Duration
	for i := range 100 {
		f := &AudioFrame{PTS: time.Second + time.Duration(i)*10*time.Millisecond, SampleRate: 44100, Channels: 1}
		// Continue the phase from frame to frame.
		f.Samples = sine(441*(i+1), 44100, 1, 1000, 0.5)[441*i:]
		r, err := rs.Resample(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.SampleRate != SampleRate || r.Channels != Channels || len(r.Samples)%2 != 0 {
			t.Fatalf("frame %d: %d Hz %d ch %d samples", i, r.SampleRate, r.Channels, len(r.Samples))
		}
		if i == 0 {
			first = r.PTS
		}
		if i == 99 && (r.PTS > f.PTS || r.PTS < f.PTS-5*time.Millisecond) {
			t.Errorf("last frame PTS %s for input at %s", r.PTS, f.PTS)
		}
		out = append(out, r.Samples...)
	}
	n := len(out) / 2
	if first != time.Second || n < 48000-100 || n > 48000 {
		t.Errorf("first PTS %s, %d samples out for 1 s in", first, n)
	}
	// 1 kHz stays 1 kHz: ~2000 zero crossings a second, both channels equal.
	if zc := zeroCrossings(out, 2); zc < 1990 || zc > 2002 {
		t.Errorf("%d zero crossings, want ~2000", zc)
	}
	if out[1001] != out[1000] {
		t.Errorf("channels differ: %v %v", out[1000], out[1001])
	}
	if l := Level(out[2000:]); math.Abs(l-(-9.03)) > 0.2 {
		t.Errorf("level %.2f dBFS, want -9.03 (0.5 sine)", l)
	}
	r, err := rs.Resample(&AudioFrame{PTS: 2 * time.Second, SampleRate: 16000, Channels: 2, Samples: sine(160, 16000, 2, 1000, 0.5)})
	if err != nil || r.Len() < 400 || r.Len() > 480 {
		t.Fatalf("after switching to 16 kHz: %v, %d samples", err, r.Len())
	}
	for _, bad := range []*AudioFrame{nil, {SampleRate: 0, Channels: 2}, {SampleRate: 48000, Channels: 0}, {SampleRate: 48000, Channels: 2, Samples: make([]float32, 3)}} {
		if _, err := rs.Resample(bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Resample(%+v): %v, want ErrInvalidInput", bad, err)
		}
	}
	if _, err := NewResampler(0, 2); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("NewResampler(0, 2): %v", err)
	}
	rs.Close()
	rs.Close()
	if _, err := rs.Resample(&AudioFrame{SampleRate: 48000, Channels: 2}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}

func TestAudioEncoderPartialFrames(t *testing.T) {
	enc, err := NewAudioEncoder(AudioEncoderConfig{BitrateKbps: 96})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	// 10 ms frames (480 samples) do not divide 1024: the encoder buffers.
	start := 5 * time.Second
	var units []*media.Unit
	for i := range 100 {
		f := &AudioFrame{PTS: start + time.Duration(i)*10*time.Millisecond, SampleRate: SampleRate, Channels: Channels,
			Samples: sine(480*(i+1), SampleRate, Channels, 440, 0.3)[480*2*i:]}
		got, err := enc.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, got...)
	}
	rest, err := enc.Flush()
	if err != nil {
		t.Fatal(err)
	}
	units = append(units, rest...)
	// 48000 samples: 47 frames hold 48128, plus the priming frame.
	if len(units) != 48 {
		t.Errorf("%d units, want 48", len(units))
	}
	for i, u := range units {
		if want := start + samplesToDuration(int64(i-1)*1024, SampleRate); u.PTS != want {
			t.Fatalf("unit %d at %s, want %s", i, u.PTS, want)
		}
	}
	if enc.Track().BitrateKbps != 96 {
		t.Errorf("track bitrate %d", enc.Track().BitrateKbps)
	}
	if _, err := enc.Encode(&AudioFrame{SampleRate: SampleRate, Channels: Channels}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Flush: %v, want ErrClosed", err)
	}
}

func TestAudioEncoderRejects(t *testing.T) {
	enc, err := NewAudioEncoder(AudioEncoderConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*AudioFrame{nil, {SampleRate: 44100, Channels: 2}, {SampleRate: 48000, Channels: 1}, {SampleRate: 48000, Channels: 2, Samples: make([]float32, 5)}} {
		if _, err := enc.Encode(f); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("Encode(%+v): %v, want ErrInvalidInput", f, err)
		}
	}
	enc.Close()
	enc.Close()
	if _, err := enc.Flush(); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close: %v, want ErrClosed", err)
	}
	if _, err := NewAudioEncoder(AudioEncoderConfig{BitrateKbps: 1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("1 kbps: %v, want ErrInvalidConfig", err)
	}
}

func TestNewDecodersRejectCodecs(t *testing.T) {
	if _, err := NewVideoDecoder(media.CodecOpus); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("video decoder for opus: %v", err)
	}
	if _, err := NewAudioDecoder(media.CodecVP8); !errors.Is(err, ErrUnsupportedCodec) {
		t.Errorf("audio decoder for VP8: %v", err)
	}
	for _, c := range []media.Codec{media.CodecVP8, media.CodecH264} {
		d, err := NewVideoDecoder(c)
		if err != nil {
			t.Fatal(err)
		}
		d.Close()
		d.Close()
		if _, err := d.Decode(&media.Unit{Data: []byte{1}}); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close: %v", c, err)
		}
		if _, err := d.Flush(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s Flush after Close: %v", c, err)
		}
	}
	d, err := NewAudioDecoder(media.CodecOpus)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	d.Close()
	if _, err := d.Decode(&media.Unit{Data: []byte{1}}); !errors.Is(err, ErrClosed) {
		t.Errorf("opus after Close: %v", err)
	}
}
