package synth

import "sync/atomic"

// videoLoop walks a video clip forever at a fixed frame rate. A key request
// makes the next frame the start of the next GOP in the loop; the
// timestamps keep advancing either way.
type videoLoop struct {
	clip       *videoClip
	clock, fps uint64
	keyRequest *atomic.Bool

	idx int    // next frame of the clip
	n   uint64 // frames handed out so far
}

func newVideoLoop(clip *videoClip, fps int, keyRequest *atomic.Bool) *videoLoop {
	return &videoLoop{clip: clip, clock: 90000, fps: uint64(fps), keyRequest: keyRequest}
}

// next returns the next frame. Frame n starts at tick n*clock/fps, so the
// durations of a rate like 7 fps still add up exactly.
func (l *videoLoop) next() unit {
	if l.keyRequest.Swap(false) {
		l.idx = l.clip.nextKeyframe(l.idx)
	}
	ticks := (l.n+1)*l.clock/l.fps - l.n*l.clock/l.fps
	u := unit{data: l.clip.frames[l.idx], ticks: uint32(ticks), key: l.clip.keys[l.idx]}
	l.idx = (l.idx + 1) % len(l.clip.frames)
	l.n++
	return u
}
