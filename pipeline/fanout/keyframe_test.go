package fanout

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestNeedKeyframe: NeedKeyframe is called when a reader of a stream with
// video starts waiting for a keyframe (a new reader once the stream's
// tracks are known, a Reset, a ring overflow), and not otherwise.
func TestNeedKeyframe(t *testing.T) {
	video, audio := testTracks()
	var asked atomic.Int32
	f := New(Options{Buffer: 4, NeedKeyframe: func() { asked.Add(1) }})
	defer f.Close()
	early := f.NewReader("early") // no tracks known yet: the source starts with a keyframe anyway
	if n := asked.Load(); n != 0 {
		t.Fatalf("asked %d times for a reader of a stream not started", n)
	}
	writeAll(f, script(video, audio, 0, "KAP"))
	if n := asked.Load(); n != 0 {
		t.Fatalf("asked %d times while every reader keeps up", n)
	}
	f.NewReader("late")
	if n := asked.Load(); n != 1 {
		t.Fatalf("asked %d times after a late reader, want 1", n)
	}
	readN(t, early, 3)
	early.Reset()
	if n := asked.Load(); n != 2 {
		t.Fatalf("asked %d times after a Reset, want 2", n)
	}
	// Both wait for a keyframe: the Ps they skip are not overflows. Both
	// start at K5, fill their rings of 4, and overflow on the 5th unit.
	writeAll(f, script(video, audio, 3, "PPKAPP"))
	if n := asked.Load(); n != 2 {
		t.Fatalf("asked %d times before a ring overflowed, want 2", n)
	}
	writeAll(f, script(video, audio, 9, "A"))
	if n := asked.Load(); n != 4 {
		t.Fatalf("asked %d times after both rings overflowed, want 4", n)
	}
	writeAll(f, script(video, audio, 10, "PPA"))
	if n := asked.Load(); n != 4 {
		t.Fatalf("asked %d times while readers skip to a keyframe, want still 4", n)
	}

	audioOnly := New(Options{NeedKeyframe: func() { asked.Add(100) }})
	defer audioOnly.Close()
	audioOnly.Write(&media.Unit{Track: audio, Key: true})
	audioOnly.NewReader("a").Reset()
	if n := asked.Load(); n != 4 {
		t.Fatalf("asked for a keyframe of a stream without video")
	}
}

// TestStartTrimsOlderAudio: a reader of a stream with video (Options.Video)
// starts at a video keyframe even when audio comes first, and skips the
// audio written after it but from before it (a room's cached audio
// reaching a new job's output), then keeps all audio.
func TestStartTrimsOlderAudio(t *testing.T) {
	video, audio := testTracks()
	f := New(Options{Video: true})
	defer f.Close()
	r := f.NewReader("out")
	at := func(tr *media.Track, key bool, pts time.Duration) *media.Unit {
		c := byte('A') // label: K, P or A
		if tr.Kind == media.KindVideo {
			c = map[bool]byte{true: 'K', false: 'P'}[key]
		}
		return &media.Unit{Track: tr, Key: key, PTS: pts, DTS: pts, Data: []byte{c}}
	}
	for _, u := range []*media.Unit{
		at(audio, true, 1), at(video, true, 10), at(audio, true, 4), at(audio, true, 9),
		at(audio, true, 10), at(video, false, 11), at(audio, true, 8), // late audio after the start: kept
	} {
		f.Write(u)
	}
	if got := labels(readN(t, r, 4)); got != "K10 A10 P11 A8" {
		t.Fatalf("read %q, want K10 A10 P11 A8", got)
	}
	if s := r.Stats(); s.Skipped != 3 {
		t.Errorf("stats %+v, want 3 skipped (A1 before the start, A4 and A9 older than it)", s)
	}
}
