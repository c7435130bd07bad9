package composite_test

import (
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
)

// TestConcurrentUse runs each building block the way the pipeline does,
// one goroutine per producer and one consumer, for the race detector.
func TestConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	m := newMixer(t, composite.MixerConfig{Start: ptr(time.Duration(0))})
	sel := newSelector(t, composite.SpeakerConfig{})
	for i := range 4 {
		id := string(rune('a' + i))
		wg.Go(func() {
			tn := tone{id, 200 * float64(i+1)}
			for f := int64(0); f < composite.SampleRate; f += opusFrames {
				p := tn.chunk(f, opusFrames)
				m.Push(id, p)
				sel.Observe(id, p.PTS, composite.Level(p))
			}
		})
	}
	wg.Go(func() {
		for until := time.Duration(0); until <= time.Second; until += 10 * time.Millisecond {
			m.Pull(until)
			m.Stats()
			sel.Current()
		}
	})

	il := newInterleaver(t, composite.InterleaverConfig{})
	video, audio := &media.Track{ID: "video"}, &media.Track{ID: "audio"}
	il.AddTrack(video)
	il.AddTrack(audio)
	for _, tr := range []*media.Track{video, audio} {
		wg.Go(func() {
			for _, u := range trackUnits(tr, 0, 20*time.Millisecond, 200, 1) {
				il.Push(u)
			}
		})
	}
	var out []*media.Unit
	wg.Go(func() {
		for range 400 {
			out = append(out, il.Pop()...)
			il.Stats()
		}
	})
	wg.Wait()
	out = append(out, il.Flush()...)
	checkOrder(t, out)
	if st := il.Stats(); st.Released != uint64(len(out)) || st.Released+st.DroppedLate+st.DroppedUntilKey != 400 {
		t.Errorf("released %d units, Stats = %+v", len(out), il.Stats())
	}
}
