package codec

import (
	"syscall"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// BenchmarkTranscode720p measures the video path at 1280x720, 30 fps,
// 3000 kbps, veryfast: one op is one frame. It reports frames/s, the
// realtime factor for 30 fps and the process CPU (100% = one core).
//
//	go test -run '^$' -bench Transcode720p -benchtime 300x ./pipeline/codec/
func BenchmarkTranscode720p(b *testing.B) {
	requireFFmpeg(b)
	b.Run("encode", func(b *testing.B) {
		frames := decodeAll(b, vp8Units(b, testClip{width: 1280, height: 720, fps: 30, duration: 2 * time.Second}))
		benchTranscode(b, frames, nil, nil)
	})
	b.Run("vp8-360p-decode-scale-encode", func(b *testing.B) {
		units := vp8Units(b, testClip{width: 640, height: 360, fps: 30, duration: 2 * time.Second})
		dec, err := NewVideoDecoder(media.CodecVP8)
		if err != nil {
			b.Fatal(err)
		}
		defer dec.Close()
		sc, err := NewScaler(1280, 720, FitContain)
		if err != nil {
			b.Fatal(err)
		}
		defer sc.Close()
		benchTranscode(b, nil, units, func(u *media.Unit) *VideoFrame {
			fs, err := dec.Decode(u)
			if err != nil || len(fs) != 1 {
				b.Fatalf("decode: %d frames, %v", len(fs), err)
			}
			f, err := sc.Scale(fs[0])
			if err != nil {
				b.Fatal(err)
			}
			return f
		})
	})
}

// benchTranscode encodes b.N frames at 720p30, cycling through frames, or
// through units turned into frames by prepare.
func benchTranscode(b *testing.B, frames []*VideoFrame, units []*media.Unit, prepare func(*media.Unit) *VideoFrame) {
	enc, err := NewVideoEncoder(VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, BitrateKbps: 3000})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	n := max(len(frames), len(units))
	cpu0, wall0 := cpuTime(), time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var f *VideoFrame
		if prepare != nil {
			f = prepare(units[i%n])
		} else {
			f = frames[i%n]
		}
		f.PTS = time.Duration(i) * time.Second / 30
		if _, err := enc.Encode(f); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	wall := time.Since(wall0)
	fps := float64(b.N) / wall.Seconds()
	b.ReportMetric(fps, "frames/s")
	b.ReportMetric(fps/30, "x-realtime")
	b.ReportMetric(100*(cpuTime()-cpu0).Seconds()/wall.Seconds(), "%cpu")
	b.ReportMetric(100*(cpuTime()-cpu0).Seconds()/wall.Seconds()*30/fps, "%cpu@30fps")
}

// decodeAll decodes VP8 units to frames.
func decodeAll(b *testing.B, units []*media.Unit) []*VideoFrame {
	dec, err := NewVideoDecoder(media.CodecVP8)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	var frames []*VideoFrame
	for _, u := range units {
		fs, err := dec.Decode(u)
		if err != nil {
			b.Fatal(err)
		}
		frames = append(frames, fs...)
	}
	return frames
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOpusToAAC measures the audio path per participant: one op is
// one 20 ms Opus packet decoded, mixed into a bus and, for the bus, AAC
// encoded. It reports the CPU of one stream in realtime.
func BenchmarkOpusToAAC(b *testing.B) {
	requireFFmpeg(b)
	units, _ := mediafixture.OpusUnits(b, 2*time.Second, 2)
	dec, err := NewAudioDecoder(media.CodecOpus)
	if err != nil {
		b.Fatal(err)
	}
	defer dec.Close()
	enc, err := NewAudioEncoder(AudioEncoderConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	bus := make([]float32, 960*Channels)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		u := *units[i%len(units)]
		u.PTS = time.Duration(i) * 20 * time.Millisecond
		frames, err := dec.Decode(&u)
		if err != nil || len(frames) != 1 {
			b.Fatalf("decode: %d frames, %v", len(frames), err)
		}
		clear(bus)
		MixInto(bus, frames[0].Samples)
		_ = Level(frames[0].Samples)
		if _, err := enc.Encode(&AudioFrame{PTS: u.PTS, SampleRate: SampleRate, Channels: Channels, Samples: bus}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	audio := time.Duration(b.N) * 20 * time.Millisecond
	b.ReportMetric(100*(cpuTime()-cpu0).Seconds()/audio.Seconds(), "%cpu@realtime")
	b.ReportMetric(float64(enc.switches)/audio.Minutes(), "switches/min")
}
