package composite_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

const (
	opusFrames = 960 // one 20 ms Opus packet
	block      = composite.DefaultBlockFrames
)

func newMixer(t testing.TB, cfg composite.MixerConfig) *composite.Mixer {
	t.Helper()
	m, err := composite.NewMixer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// tone is a participant's test signal: a sine of its own frequency.
type tone struct {
	id   string
	freq float64
}

// chunk returns frames of t's tone from frame first on.
func (t tone) chunk(first int64, frames int) composite.PCM {
	return sine(frames, t.freq, 0.3, first)
}

// want returns the expected left sample of frame f when the tones in on
// play: their sum (no soft clipping at these levels).
func want(f int64, on ...tone) float32 {
	var sum float32
	for _, t := range on {
		sum += t.chunk(f, 1).Samples[0]
	}
	return sum
}

// join concatenates the samples of blocks, checking that they follow one
// another.
func join(t *testing.T, blocks []composite.PCM) []float32 {
	t.Helper()
	var out []float32
	for i, b := range blocks {
		if len(b.Samples) != 2*block {
			t.Fatalf("block %d has %d samples, want %d", i, len(b.Samples), 2*block)
		}
		if i > 0 && ptsFrame(b.PTS)-ptsFrame(blocks[i-1].PTS) != block {
			t.Fatalf("block %d at %v does not follow %v", i, b.PTS, blocks[i-1].PTS)
		}
		out = append(out, b.Samples...)
	}
	return out
}

// ptsFrame returns the sample frame nearest to pts.
func ptsFrame(pts time.Duration) int64 {
	q, r := int64(pts)/125000, int64(pts)%125000
	return q*6 + (r*6+62500*sign(r))/125000
}

func sign(v int64) int64 {
	if v < 0 {
		return -1
	}
	return 1
}

func TestMixerSumsInputs(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	a, b := tone{"a", 440}, tone{"b", 1000}
	for f := int64(0); f < composite.SampleRate; f += opusFrames {
		m.Push(a.id, a.chunk(f, opusFrames))
		m.Push(b.id, b.chunk(f, opusFrames))
	}
	out := join(t, m.Pull(time.Second))
	if len(out) != 2*46*block {
		t.Fatalf("pulled %d frames, want 46 blocks", len(out)/2)
	}
	for f := range int64(len(out) / 2) {
		w := want(f, a, b)
		if out[2*f] != w || out[2*f+1] != -w {
			t.Fatalf("frame %d = %v, %v, want %v, %v", f, out[2*f], out[2*f+1], w, -w)
		}
	}
	if st := m.Stats(); st != (composite.MixerStats{PushedFrames: 2 * composite.SampleRate, Participants: 2}) {
		t.Errorf("Stats = %+v", st)
	}
}

// mixJittered pushes 2 s of two tones in 20 ms packets whose PTS stray by
// up to ±jitter (but the first), pulling 100 ms behind, and returns the
// mix.
func mixJittered(t *testing.T, jitter time.Duration, seed uint64) ([]float32, composite.MixerStats) {
	t.Helper()
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	rng := rand.New(rand.NewPCG(seed, 1))
	tones := []tone{{"a", 440}, {"b", 1000}}
	var out []composite.PCM
	for f := int64(0); f < 2*composite.SampleRate; f += opusFrames {
		for _, tn := range tones {
			p := tn.chunk(f, opusFrames)
			if f > 0 && jitter > 0 {
				p.PTS += time.Duration(rng.Int64N(int64(2*jitter+1))) - jitter
			}
			m.Push(tn.id, p)
		}
		out = append(out, m.Pull(framePTS(f)-100*time.Millisecond)...)
	}
	return join(t, out), m.Stats()
}

func TestMixerAbsorbsJitter(t *testing.T) {
	clean, _ := mixJittered(t, 0, 0)
	for _, jitter := range []time.Duration{time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 39 * time.Millisecond} {
		for seed := range uint64(3) {
			got, st := mixJittered(t, jitter, seed)
			if len(got) != len(clean) {
				t.Fatalf("jitter ±%v seed %d: mixed %d samples, want %d", jitter, seed, len(got), len(clean))
			}
			if !slices.Equal(got, clean) {
				i := 0
				for got[i] == clean[i] {
					i++
				}
				t.Fatalf("jitter ±%v seed %d: the mix differs from the clean one from frame %d", jitter, seed, i/2)
			}
			if st.DroppedLateFrames+st.DroppedOverlapFrames+st.DroppedOverflowFrames != 0 {
				t.Fatalf("jitter ±%v: dropped frames: %+v", jitter, st)
			}
		}
	}
}

func TestMixerPlacesAfterAGap(t *testing.T) {
	a := tone{"a", 440}
	for _, c := range []struct {
		name string
		gap  int64 // frames between the end of one packet and the PTS of the next
		// silence is the expected number of silent frames; the
		// second packet follows them.
		silence int64
	}{
		{"no gap", 0, 0},
		{"10 ms gap is jitter: contiguous", 480, 0},
		{"39 ms gap is jitter: contiguous", 1872, 0},
		{"50 ms gap: silence", 2400, 2400},
		{"1 s gap: silence", 48000, 48000},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
			m.Push(a.id, a.chunk(0, 9600))
			second := a.chunk(9600+c.gap, 9600)
			m.Push(a.id, second)
			out := join(t, m.Pull(3*time.Second))
			for f := range int64(len(out) / 2) {
				var w float32
				switch {
				case f < 9600:
					w = want(f, a)
				case f < 9600+c.silence:
				case f < 9600+c.silence+9600:
					w = second.Samples[2*(f-9600-c.silence)]
				}
				if out[2*f] != w {
					t.Fatalf("frame %d = %v, want %v", f, out[2*f], w)
				}
			}
		})
	}
}

func TestMixerDropsOverlapAfterAJumpBack(t *testing.T) {
	a := tone{"a", 440}
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	m.Push(a.id, a.chunk(0, 9600))
	m.Push(a.id, a.chunk(4800, 960))  // 100 ms back, wholly overlapping: dropped
	m.Push(a.id, a.chunk(8160, 2400)) // 30 ms back: jitter, contiguous
	m.Push(a.id, a.chunk(9600, 3840)) // 50 ms back: 2400 frames overlap
	st := m.Stats()
	if st.DroppedOverlapFrames != 960+2400 {
		t.Errorf("DroppedOverlapFrames = %d, want %d", st.DroppedOverlapFrames, 960+2400)
	}
	out := join(t, m.Pull(time.Second))
	for f := range int64(13440) {
		w := want(f, a) // the first packet, then the rest of the last
		if f >= 9600 && f < 12000 {
			w = want(f-9600+8160, a) // the jittered one, contiguous
		}
		if out[2*f] != w {
			t.Fatalf("frame %d = %v, want %v", f, out[2*f], w)
		}
	}
	if out[2*13440] != 0 {
		t.Error("no silence after the last packet")
	}
}

func TestMixerDropsLateData(t *testing.T) {
	a, b := tone{"a", 440}, tone{"b", 1000}
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	m.Push(a.id, a.chunk(0, 4800))
	if got := len(m.Pull(200 * time.Millisecond)); got != 9 {
		t.Fatalf("pulled %d blocks, want 9", got)
	}
	// The next output frame is 9 × 1024 = 9216.
	const next = 9 * block
	m.Push(b.id, b.chunk(0, 960))    // a newcomer, wholly late
	m.Push(a.id, a.chunk(4800, 960)) // contiguous, wholly late
	m.Push(a.id, a.chunk(8640, 960)) // 60 ms on: re-anchored, 576 frames late
	if got, want := m.Stats().DroppedLateFrames, uint64(960+960+576); got != want {
		t.Errorf("DroppedLateFrames = %d, want %d", got, want)
	}
	out := join(t, m.Pull(400*time.Millisecond))
	for i := range int64(block) {
		var w float32
		if i < 384 {
			w = want(next+i, a)
		}
		if out[2*i] != w {
			t.Fatalf("frame %d = %v, want %v", next+i, out[2*i], w)
		}
	}
}

func TestMixerOutputPTSIsContinuous(t *testing.T) {
	for _, c := range []struct {
		name  string
		cfg   composite.MixerConfig
		first time.Duration // PTS of the first push
		want0 int64         // frame of the first block
	}{
		{"start at the first push", composite.MixerConfig{}, 12345, 1},
		{"negative first push", composite.MixerConfig{}, -37 * time.Millisecond, -1776},
		{"configured start", composite.MixerConfig{Start: ptr(-time.Second)}, 0, -48000},
		{"an hour in", composite.MixerConfig{}, time.Hour + 1, 172_800_000},
		{"odd block size", composite.MixerConfig{BlockFrames: 960}, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMixer(t, c.cfg)
			size := int64(c.cfg.BlockFrames)
			if size == 0 {
				size = block
			}
			m.Push("a", composite.PCM{PTS: c.first, Samples: make([]float32, 2*opusFrames)})
			var blocks []composite.PCM
			until := c.first
			for step := 0; len(blocks) < 10000; step++ {
				until += time.Duration(1+step%97) * time.Millisecond
				blocks = append(blocks, m.Pull(until)...)
			}
			for k, b := range blocks {
				f := c.want0 + int64(k)*size
				if b.PTS != framePTS(f) || ptsFrame(b.PTS) != f || len(b.Samples) != int(2*size) {
					t.Fatalf("block %d at %v (%d samples), want frame %d at %v", k, b.PTS, len(b.Samples), f, framePTS(f))
				}
				if k > 0 {
					if d, w := b.PTS-blocks[k-1].PTS, framePTS(size); d < w-1 || d > w+1 {
						t.Fatalf("block %d is %v after the previous, want %v ± 1 ns", k, d, w)
					}
				}
			}
			end := framePTS(c.want0 + int64(len(blocks))*size)
			if next, ok := m.Next(); !ok || next != end {
				t.Errorf("Next = %v, %v, want %v", next, ok, end)
			}
		})
	}
}

func TestMixerParticipantJoinsLateAndLeaves(t *testing.T) {
	a, b := tone{"a", 440}, tone{"b", 1000}
	m := newMixer(t, composite.MixerConfig{})
	var out []composite.PCM
	for f := int64(0); f < 3*composite.SampleRate; f += opusFrames {
		m.Push(a.id, a.chunk(f, opusFrames))
		if f >= composite.SampleRate && f < 2*composite.SampleRate {
			m.Push(b.id, b.chunk(f, opusFrames))
			if got := m.Stats().Participants; got != 2 {
				t.Fatalf("Participants = %d with b in, want 2", got)
			}
		}
		if f == 2*composite.SampleRate-opusFrames {
			m.Remove(b.id) // its last 100 ms are not pulled yet
			if got := m.Stats().Participants; got != 1 {
				t.Fatalf("Participants = %d after Remove, want 1", got)
			}
		}
		out = append(out, m.Pull(framePTS(f)-100*time.Millisecond)...)
	}
	mix := join(t, out)
	for f := range int64(len(mix) / 2) {
		on := []tone{a}
		if f >= composite.SampleRate && f < 2*composite.SampleRate {
			on = append(on, b)
		}
		if w := want(f, on...); mix[2*f] != w {
			t.Fatalf("frame %d = %v, want %v (%d tones)", f, mix[2*f], w, len(on))
		}
	}
	m.Remove("nobody")
	m.Remove(a.id)
	m.Pull(4 * time.Second)
	if st := m.Stats(); st.Participants != 0 || st.DroppedLateFrames != 0 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestMixerGapsAreSilence(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	m.Push("a", composite.PCM{PTS: 500 * time.Millisecond, Samples: constant(opusFrames, 0.25, 0.25)})
	out := join(t, m.Pull(time.Second))
	for f := range int64(len(out) / 2) {
		var w float32
		if f >= 24000 && f < 24000+opusFrames {
			w = 0.25
		}
		if out[2*f] != w {
			t.Fatalf("frame %d = %v, want %v", f, out[2*f], w)
		}
	}
}

func TestMixerBoundsWhatRunsAhead(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	for f := int64(0); f < 6*composite.SampleRate; f += opusFrames {
		m.Push("a", composite.PCM{PTS: framePTS(f), Samples: constant(opusFrames, 0.5, 0.5)})
	}
	st := m.Stats()
	if st.PushedFrames != 6*composite.SampleRate || st.DroppedOverflowFrames != composite.SampleRate {
		t.Fatalf("Stats = %+v, want 1 s dropped of 6 s pushed", st)
	}
	out := join(t, m.Pull(6*time.Second))
	for f := range int64(len(out) / 2) {
		w := float32(0.5)
		if f >= 5*composite.SampleRate {
			w = 0
		}
		if out[2*f] != w {
			t.Fatalf("frame %d = %v, want %v", f, out[2*f], w)
		}
	}
}

func TestMixerLimitsLoudSums(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{})
	for _, id := range []string{"a", "b", "c"} {
		m.Push(id, composite.PCM{Samples: constant(block, 1, -0.9)})
	}
	m.Push("d", composite.PCM{Samples: constant(block, 5, -5)}) // clamped to ±1
	out := join(t, m.Pull(time.Second))
	// Sums of 4 and −3.7 come out under −2 dBFS with their ratio kept:
	// turned down, not clipped.
	if out[0] > 0.7901 || out[0] < 0.78 {
		t.Errorf("a loud sum gives %v, want the limiter's ceiling 0.79", out[0])
	}
	if r := out[1] / out[0]; math.Abs(float64(r)+3.7/4) > 1e-4 {
		t.Errorf("channels %v, %v: ratio %v, want −3.7/4 kept", out[0], out[1], r)
	}
}

func TestMixerPushCopies(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{})
	s := constant(block, 0.5, 0.5)
	m.Push("a", composite.PCM{Samples: s})
	clear(s)
	if out := join(t, m.Pull(time.Second)); out[0] != 0.5 {
		t.Errorf("mixed %v, want the 0.5 pushed before the caller cleared its slice", out[0])
	}
}

func TestMixerBeforeStart(t *testing.T) {
	m := newMixer(t, composite.MixerConfig{})
	if out := m.Pull(time.Hour); out != nil {
		t.Errorf("Pull before any Push = %d blocks", len(out))
	}
	if _, ok := m.Next(); ok {
		t.Error("Next is known before any Push")
	}
	m.Push("a", composite.PCM{PTS: time.Second, Samples: []float32{0.1}}) // no whole frame
	if _, ok := m.Next(); ok {
		t.Error("a Push without a whole frame started the mixer")
	}
}

func TestMixerConfigValidate(t *testing.T) {
	for _, c := range []composite.MixerConfig{
		{BlockFrames: -1},
		{BlockFrames: composite.SampleRate + 1},
		{Reanchor: -1},
		{MaxAhead: -1},
		{MaxAhead: time.Hour},
	} {
		if _, err := composite.NewMixer(c); err == nil {
			t.Errorf("NewMixer(%+v) accepted it", c)
		}
	}
}

// BenchmarkMixer10Participants measures one output block of ten
// participants, each pushing one block's worth of samples.
func BenchmarkMixer10Participants(b *testing.B) {
	m := newMixer(b, composite.MixerConfig{})
	ids := make([]string, 10)
	inputs := make([]composite.PCM, 10)
	for i := range ids {
		ids[i] = string(rune('a' + i))
		inputs[i] = sine(block, 200+100*float64(i), 0.1, 0)
	}
	b.ReportAllocs()
	b.SetBytes(10 * 2 * block * 4)
	for n := 0; b.Loop(); n++ {
		pts := framePTS(int64(n) * block)
		for i, id := range ids {
			inputs[i].PTS = pts
			m.Push(id, inputs[i])
		}
		if out := m.Pull(pts); len(out) > 1 {
			b.Fatalf("pulled %d blocks", len(out))
		}
	}
}
