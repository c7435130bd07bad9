package composite_test

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
)

var (
	videoTrack = &media.Track{ID: "video", Kind: media.KindVideo, Codec: media.CodecH264}
	audioTrack = &media.Track{ID: "audio", Kind: media.KindAudio, Codec: media.CodecAAC}
)

func newInterleaver(t testing.TB, cfg composite.InterleaverConfig) *composite.Interleaver {
	t.Helper()
	il, err := composite.NewInterleaver(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return il
}

func unit(tr *media.Track, dts time.Duration, key bool) *media.Unit {
	return &media.Unit{Track: tr, PTS: dts, DTS: dts, Key: key}
}

// trackUnits returns n units of tr, period apart from start, a keyframe
// every gop units (every unit when gop is 1).
func trackUnits(tr *media.Track, start, period time.Duration, n, gop int) []*media.Unit {
	us := make([]*media.Unit, n)
	for i := range us {
		us[i] = unit(tr, start+time.Duration(i)*period, i%gop == 0)
	}
	return us
}

// checkOrder fails unless us have non-decreasing DTS overall and strictly
// increasing DTS per track.
func checkOrder(t testing.TB, us []*media.Unit) {
	t.Helper()
	last := map[*media.Track]time.Duration{}
	for i, u := range us {
		if i > 0 && u.DTS < us[i-1].DTS {
			t.Fatalf("unit %d (%s) at %v comes after %v", i, u.Track.ID, u.DTS, us[i-1].DTS)
		}
		if l, ok := last[u.Track]; ok && u.DTS <= l {
			t.Fatalf("unit %d of %s at %v is not after %v", i, u.Track.ID, u.DTS, l)
		}
		last[u.Track] = u.DTS
	}
}

// arrival shuffles the units of several tracks as they would arrive: each
// unit late by up to skew, each track still in order.
func arrival(rng *rand.Rand, skew time.Duration, tracks ...[]*media.Unit) []*media.Unit {
	type arrived struct {
		at time.Duration
		u  *media.Unit
	}
	var all []arrived
	for _, us := range tracks {
		var prev time.Duration
		for i, u := range us {
			at := u.DTS + time.Duration(rng.Int64N(int64(skew)))
			if i > 0 {
				at = max(at, prev)
			}
			prev = at
			all = append(all, arrived{at, u})
		}
	}
	slices.SortStableFunc(all, func(a, b arrived) int { return cmp.Compare(a.at, b.at) })
	out := make([]*media.Unit, len(all))
	for i, a := range all {
		out[i] = a.u
	}
	return out
}

func TestInterleaverSortsArrivalsWithinBounds(t *testing.T) {
	for _, c := range []struct {
		name    string
		skew    time.Duration
		declare bool
	}{
		{"small skew, implicit tracks", 30 * time.Millisecond, false},
		{"skew of a few frames, declared tracks", 150 * time.Millisecond, true},
		{"skew just under MaxWait", 450 * time.Millisecond, true},
	} {
		for seed := range uint64(5) {
			rng := rand.New(rand.NewPCG(seed, 2))
			video := trackUnits(videoTrack, 0, time.Second/30, 300, 60)
			audio := trackUnits(audioTrack, 5*time.Millisecond, framePTS(block), 470, 1)
			in := arrival(rng, c.skew, video, audio)
			il := newInterleaver(t, composite.InterleaverConfig{})
			if c.declare {
				il.AddTrack(videoTrack)
				il.AddTrack(audioTrack)
			}
			var out []*media.Unit
			for _, u := range in {
				il.Push(u)
				out = append(out, il.Pop()...)
			}
			out = append(out, il.Flush()...)
			checkOrder(t, out)
			st := il.Stats()
			dropped := st.DroppedLate + st.DroppedNonMonotonic + st.DroppedUntilKey
			if st.Pushed != uint64(len(in)) || st.Released != uint64(len(out)) || st.Released+dropped != st.Pushed || st.Queued != 0 {
				t.Fatalf("%s seed %d: %d in, %d out, Stats = %+v", c.name, seed, len(in), len(out), st)
			}
			// An implicit track cannot hold back what was released before
			// its first unit came, so only declared tracks are lossless.
			if c.declare && (dropped != 0 || st.Stalls != 0) {
				t.Fatalf("%s seed %d: Stats = %+v", c.name, seed, st)
			}
		}
	}
}

func TestInterleaverReleasesUpToTheSlowestTrack(t *testing.T) {
	il := newInterleaver(t, composite.InterleaverConfig{})
	il.Push(unit(videoTrack, 0, true))
	il.Push(unit(audioTrack, 10*time.Millisecond, true))
	il.Push(unit(audioTrack, 30*time.Millisecond, true))
	il.Push(unit(audioTrack, 50*time.Millisecond, true))
	got := il.Pop()
	if len(got) != 1 || got[0].DTS != 0 {
		t.Fatalf("Pop = %v, want the video unit at 0 only", dtsOf(got))
	}
	il.Push(unit(videoTrack, 33*time.Millisecond, false))
	if got := dtsOf(il.Pop()); !slices.Equal(got, []time.Duration{10 * time.Millisecond, 30 * time.Millisecond, 33 * time.Millisecond}) {
		t.Fatalf("Pop = %v", got)
	}
	if got := dtsOf(il.Flush()); !slices.Equal(got, []time.Duration{50 * time.Millisecond}) {
		t.Fatalf("Flush = %v", got)
	}
}

func TestInterleaverEqualDTSFollowsTrackOrder(t *testing.T) {
	il := newInterleaver(t, composite.InterleaverConfig{})
	il.AddTrack(videoTrack)
	il.AddTrack(audioTrack)
	a, v := unit(audioTrack, 0, true), unit(videoTrack, 0, true)
	il.Push(a)
	il.Push(v)
	if got := il.Pop(); len(got) != 2 || got[0] != v || got[1] != a {
		t.Fatalf("Pop = %v, want video then audio", got)
	}
}

func TestInterleaverReleasesAStalledTrack(t *testing.T) {
	ms := time.Millisecond
	il := newInterleaver(t, composite.InterleaverConfig{})
	il.AddTrack(videoTrack)
	il.AddTrack(audioTrack)
	var out []*media.Unit
	push := func(u *media.Unit) []*media.Unit {
		il.Push(u)
		got := il.Pop()
		out = append(out, got...)
		return got
	}
	// Video reaches 1 s, then stalls; audio goes on.
	for d := time.Duration(0); d <= 1500*ms; d += 20 * ms {
		if d <= time.Second && d%(100*ms) == 0 {
			push(unit(videoTrack, d, d%time.Second == 0))
		}
		got := push(unit(audioTrack, d, true))
		if len(got) > 0 && got[len(got)-1].DTS > time.Second {
			t.Fatalf("audio at %v released %v while video waits at 1 s", d, dtsOf(got))
		}
	}
	if il.Stats().Stalls != 0 {
		t.Fatal("video stalled within MaxWait")
	}
	got := push(unit(audioTrack, 1520*ms, true))
	if len(got) != 26 || got[len(got)-1].DTS != 1520*ms || il.Stats().Stalls != 1 {
		t.Fatalf("past MaxWait, Pop = %v, Stats %+v", dtsOf(got), il.Stats())
	}
	for d := 1540 * ms; d < 3*time.Second; d += 20 * ms {
		if got := push(unit(audioTrack, d, true)); len(got) != 1 {
			t.Fatalf("audio at %v with video stalled: Pop = %v", d, dtsOf(got))
		}
	}
	// Video resumes behind: late frames go, then frames until a keyframe.
	push(unit(videoTrack, 2900*ms, false)) // late
	push(unit(videoTrack, 3000*ms, false)) // waits for a keyframe
	push(unit(videoTrack, 3100*ms, true))
	push(unit(videoTrack, 3200*ms, false))
	push(unit(audioTrack, 3000*ms, true))
	out = append(out, il.Flush()...)
	checkOrder(t, out)
	st := il.Stats()
	if st.DroppedLate != 1 || st.DroppedUntilKey != 1 || st.Stalls != 1 || st.Queued != 0 || st.DroppedVideo != 2 || st.DroppedAudio != 0 {
		t.Fatalf("Stats = %+v", st)
	}
	// Audio that stalls and comes back behind is dropped, and counted as
	// audio.
	il.Push(unit(videoTrack, 3600*ms, false))
	il.Pop()
	il.Push(unit(audioTrack, 3020*ms, true))
	if st := il.Stats(); st.DroppedAudio != 1 || st.DroppedVideo != 2 {
		t.Fatalf("late audio: Stats = %+v", st)
	}
	if st.Pushed != st.Released+2 {
		t.Fatalf("pushed %d, released %d, dropped 2", st.Pushed, st.Released)
	}
}

func TestInterleaverDeclaredTrackThatNeverComes(t *testing.T) {
	ms := time.Millisecond
	il := newInterleaver(t, composite.InterleaverConfig{MaxWait: 200 * ms})
	il.AddTrack(videoTrack)
	for d := 1000 * ms; d <= 1200*ms; d += 20 * ms {
		il.Push(unit(audioTrack, d, true))
		if got := il.Pop(); len(got) > 0 {
			t.Fatalf("audio at %v released %v before video's MaxWait", d, dtsOf(got))
		}
	}
	il.Push(unit(audioTrack, 1220*ms, true))
	if got := il.Pop(); len(got) != 12 {
		t.Fatalf("Pop = %v past MaxWait", dtsOf(got))
	}
}

func TestInterleaverDropsNonMonotonicUnits(t *testing.T) {
	ms := time.Millisecond
	il := newInterleaver(t, composite.InterleaverConfig{})
	for _, d := range []time.Duration{0, 20, 20, 40, 30, 60, 60, 80} {
		il.Push(unit(audioTrack, d*ms, true))
	}
	il.Push(nil)
	out := il.Flush()
	checkOrder(t, out)
	if got := dtsOf(out); !slices.Equal(got, []time.Duration{0, 20 * ms, 40 * ms, 60 * ms, 80 * ms}) {
		t.Fatalf("released %v", got)
	}
	if st := il.Stats(); st.DroppedNonMonotonic != 3 || st.Pushed != 8 || st.Released != 5 {
		t.Fatalf("Stats = %+v", st)
	}
}

func TestInterleaverRemoveTrack(t *testing.T) {
	ms := time.Millisecond
	il := newInterleaver(t, composite.InterleaverConfig{})
	il.Push(unit(videoTrack, 0, true))
	il.Push(unit(videoTrack, 33*ms, false))
	il.Push(unit(audioTrack, 10*ms, true))
	il.Push(unit(audioTrack, 100*ms, true))
	if got := dtsOf(il.Pop()); !slices.Equal(got, []time.Duration{0, 10 * ms, 33 * ms}) {
		t.Fatalf("Pop = %v", got)
	}
	il.Push(unit(audioTrack, 120*ms, true))
	il.RemoveTrack(videoTrack) // video no longer holds audio back
	if got := dtsOf(il.Pop()); !slices.Equal(got, []time.Duration{100 * ms, 120 * ms}) {
		t.Fatalf("Pop after RemoveTrack = %v", got)
	}
	il.RemoveTrack(audioTrack)
	il.RemoveTrack(audioTrack)
	il.Push(unit(videoTrack, 200*ms, true)) // back: it holds again
	il.Push(unit(videoTrack, 33*ms, true))  // still behind its last unit
	if got := dtsOf(il.Pop()); !slices.Equal(got, []time.Duration{200 * ms}) {
		t.Fatalf("Pop after the video came back = %v", got)
	}
	if st := il.Stats(); st.DroppedNonMonotonic != 1 {
		t.Fatalf("Stats = %+v, want the unit behind its track's last one dropped", st)
	}
}

func TestInterleaverRemovedTrackStillDrains(t *testing.T) {
	ms := time.Millisecond
	il := newInterleaver(t, composite.InterleaverConfig{})
	il.AddTrack(videoTrack)
	il.AddTrack(audioTrack)
	il.Push(unit(audioTrack, 0, true))
	il.Push(unit(audioTrack, 20*ms, true))
	il.RemoveTrack(audioTrack) // the video has not come yet
	if got := il.Pop(); len(got) != 0 {
		t.Fatalf("Pop = %v while video holds", dtsOf(got))
	}
	il.Push(unit(videoTrack, 30*ms, true))
	if got := dtsOf(il.Pop()); !slices.Equal(got, []time.Duration{0, 20 * ms, 30 * ms}) {
		t.Fatalf("Pop = %v", got)
	}
}

func TestInterleaverConfigValidate(t *testing.T) {
	if _, err := composite.NewInterleaver(composite.InterleaverConfig{MaxWait: -1}); err == nil {
		t.Error("NewInterleaver accepted a negative MaxWait")
	}
}

func dtsOf(us []*media.Unit) []time.Duration {
	out := make([]time.Duration, len(us))
	for i, u := range us {
		out[i] = u.DTS
	}
	return out
}

// SetMaxWait changes how far the other tracks run ahead of a silent one
// before it stops holding them back.
func TestInterleaverSetMaxWait(t *testing.T) {
	il := newInterleaver(t, composite.InterleaverConfig{MaxWait: time.Second})
	il.Push(unit(videoTrack, 0, true))
	for _, u := range trackUnits(audioTrack, 0, 20*time.Millisecond, 8, 1) { // to 140 ms
		il.Push(u)
	}
	if got := il.Pop(); len(got) != 2 {
		t.Fatalf("released %d units with the video 140 ms behind and a 1 s wait, want 2 (DTS 0)", len(got))
	}
	il.SetMaxWait(100 * time.Millisecond)
	got := il.Pop()
	checkOrder(t, got)
	if len(got) != 7 || il.Stats().Stalls != 1 {
		t.Fatalf("released %d units, %d stalls with a 100 ms wait; want the 7 audio units left and one stall", len(got), il.Stats().Stalls)
	}
}
