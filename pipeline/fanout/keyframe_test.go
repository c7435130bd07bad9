package fanout

import (
	"sync/atomic"
	"testing"

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
