package synth

import (
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v3"
	"github.com/roomcast/roomcast/pipeline/media"
)

// RTP clocks, and their common divisor: a span that is a whole number of
// syncClock ticks is a whole number of ticks of both.
const (
	videoClock = 90000
	audioClock = 48000
	syncClock  = 6000
)

// opusSilence is a 20 ms Opus packet of silence (CELT, fullband, one frame,
// RFC 6716 section 3.1) that pads a file's audio up to the loop length.
var opusSilence = []byte{0xf8, 0xff, 0xfe}

// fileMedia is a prepared file and its schedule. Each track starts its
// clip at its lead after the start of streaming, the file's own offset
// between its streams, and plays it again every loop: both tracks loop at
// the same length, the file's (the longer stream's end), so they keep the
// file's sync loop after loop. Within a loop the shorter track is padded:
// video holds its last frame, audio sends silence. Every unit's duration
// is a whole number of RTP ticks, so the RTP timestamps advance with the
// schedule without drift, across loops too.
type fileMedia struct {
	plan  filePlan
	video *videoClip // nil without video
	audio *audioClip // nil without audio; padded with silence to the loop length

	// videoPos is the position of each video frame in the loop, 90 kHz ticks
	// from the first, and then the loop length.
	videoPos             []uint64
	videoLead, audioLead time.Duration
	loop                 uint64 // the loop length in syncClock ticks
}

// length is how long one play of the file lasts.
func (f *fileMedia) length() time.Duration { return ticksToDuration(f.loop, syncClock) }

// scheduleFile works out the leads and the loop of the clips of plan.
func scheduleFile(plan filePlan, video *videoClip, audio *audioClip) *fileMedia {
	f := &fileMedia{plan: plan, video: video}
	var videoStart, audioStart time.Duration
	var videoEnd, audioEnd uint64 // the clips' lengths in their clocks
	if video != nil {
		f.videoPos = framePositions(video, plan.video.rate)
		videoStart, videoEnd = plan.video.start, f.videoPos[len(video.frames)]
	}
	if audio != nil {
		audioStart = plan.audio.start
		if !plan.audio.copied {
			// The encoder's delay comes first in the clip; a copied stream's
			// start_time already counts it.
			audioStart -= ticksToDuration(uint64(audio.preSkip), audioClock)
		}
		for _, n := range audio.samples {
			audioEnd += uint64(n)
		}
	}
	switch {
	case video == nil:
		videoStart = audioStart
	case audio == nil:
		audioStart = videoStart
	}
	base := min(videoStart, audioStart)
	f.videoLead, f.audioLead = videoStart-base, audioStart-base
	f.loop = max(
		durationTicksUp(f.videoLead)+ceilDiv(videoEnd, videoClock/syncClock),
		durationTicksUp(f.audioLead)+ceilDiv(audioEnd, audioClock/syncClock),
		1)
	if video != nil {
		f.videoPos[len(video.frames)] = f.loop * (videoClock / syncClock)
	}
	if audio != nil {
		f.audio = padAudio(audio, audioEnd, f.loop*(audioClock/syncClock))
	}
	return f
}

// framePositions returns the position of each frame from the first in
// 90 kHz ticks, and then the end of the last frame: IVF frames by their
// timestamps (forced to increase), the last one lasting a frame at rate;
// H.264 frames at the constant rate.
func framePositions(c *videoClip, rate rational) []uint64 {
	n := len(c.frames)
	pos := make([]uint64, n+1)
	atRate := func(i int) uint64 { return mulDiv(uint64(i), videoClock*uint64(rate.den), uint64(rate.num)) }
	num, den := uint64(c.timebase[0]), uint64(c.timebase[1])
	if len(c.pts) != n || num == 0 || den == 0 {
		for i := range pos {
			pos[i] = atRate(i)
		}
		return pos
	}
	for i := 1; i < n; i++ {
		var t uint64
		if c.pts[i] > c.pts[0] {
			t = mulDiv(c.pts[i]-c.pts[0], videoClock*num, den)
		}
		pos[i] = max(t, pos[i-1]+1)
	}
	pos[n] = pos[n-1] + max(atRate(1), 1)
	return pos
}

// padAudio returns c followed by silence from its end (ticks) to total
// (ticks): 20 ms packets, the last one spanning what is left.
func padAudio(c *audioClip, end, total uint64) *audioClip {
	out := &audioClip{
		packets: append([][]byte(nil), c.packets...),
		samples: append([]uint32(nil), c.samples...),
		preSkip: c.preSkip,
	}
	if total <= end || len(out.samples) == 0 {
		return out
	}
	fill := total - end
	for ; fill >= 960; fill -= 960 {
		out.packets = append(out.packets, opusSilence)
		out.samples = append(out.samples, 960)
	}
	out.samples[len(out.samples)-1] += uint32(fill)
	return out
}

// fileVideoLoop walks a file's video clip forever on the file's timeline.
// A key request sends the next keyframe at once and holds it until the
// frame after it is due, so a receiver recovers at once and the video
// stays in sync with the audio: only the frames in between are left out.
type fileVideoLoop struct {
	clip       *videoClip
	pos        []uint64 // fileMedia.videoPos
	keyRequest *atomic.Bool
	// keyNow: a key request jumps to the next keyframe and goes on from
	// it at once (Config.KeyframeNow), instead of sending it early and
	// holding it until the frame after it is due.
	keyNow bool

	idx  int    // next frame
	base uint64 // the position of the current loop
}

func (l *fileVideoLoop) next() unit {
	n := len(l.clip.frames)
	from := l.base + l.pos[l.idx]
	i := l.idx
	if l.keyRequest.Swap(false) {
		k := l.clip.nextKeyframe(i)
		switch {
		case l.keyNow: // the loop goes on from k now: rebase it (mod 2^64)
			l.base = from - l.pos[k]
		case k < i: // the keyframe is in the next loop
			l.base += l.pos[n]
		}
		i = k
	}
	l.idx = i + 1
	if l.idx == n {
		l.idx, l.base = 0, l.base+l.pos[n]
	}
	to := l.base + l.pos[l.idx]
	return unit{data: l.clip.frames[i], ticks: uint32(to - from), key: l.clip.keys[i]}
}

// cameraPacers are the pacers of the main video and audio tracks: the test
// pattern and the tone, or a file's streams with their leads. A track the
// file lacks gets no next: its pacer sends nothing.
func (p *Publisher) cameraPacers(pr *peer, c clips, keyRequest *atomic.Bool) (video, audio pacer) {
	video, audio = p.videoPacer(pr, c.video, keyRequest), p.audioPacer(pr, c)
	f := c.file
	if f == nil {
		return video, audio
	}
	video.next, video.lead, audio.lead = nil, f.videoLead, f.audioLead
	if f.video != nil {
		video.next = (&fileVideoLoop{clip: f.video, pos: f.videoPos, keyRequest: keyRequest, keyNow: p.cfg.KeyframeNow}).next
	}
	if f.audio == nil {
		audio.next = nil
	} else if f.video == nil { // Ready waits for the first audio packet instead
		written := audio.written
		audio.written = func(u unit) {
			written(u)
			p.readyOnce.Do(func() { close(p.ready) })
		}
	}
	return video, audio
}

// playEnd bounds a stream that plays the file once (loop false) to the
// file's length; end zero is no bound. It returns end for a nil f.
func (f *fileMedia) playEnd(start, end time.Time, loop bool) time.Time {
	if f == nil || loop {
		return end
	}
	if once := start.Add(f.length()); end.IsZero() || once.Before(end) {
		return once
	}
	return end
}

// videoCodec is the codec of the main video track: the file's, or codec.
func (c clips) videoCodec(codec media.Codec) media.Codec {
	if c.file != nil && c.file.video != nil {
		return c.file.plan.video.codec
	}
	return codec
}

// sends tells whether the main track of kind has anything to send.
func (c clips) sends(kind media.Kind) bool {
	switch {
	case c.file == nil:
		return true
	case kind == media.KindVideo:
		return c.file.video != nil
	default:
		return c.file.audio != nil
	}
}

// addSendOnlyIf adds t as addSendOnly does when send is set. A track left
// out is not in the offer; writing to it is a no-op.
func (p *peer) addSendOnlyIf(send bool, t *webrtc.TrackLocalStaticSample) (*webrtc.RTPSender, error) {
	if !send {
		return nil, nil
	}
	return p.addSendOnly(t)
}

// durationTicksUp is d in syncClock ticks, rounded up.
func durationTicksUp(d time.Duration) uint64 {
	if d <= 0 {
		return 0
	}
	return ceilDiv(uint64(d)*syncClock, uint64(time.Second))
}

func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }

// mulDiv is a*b/c without overflow in the product; it saturates.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 1<<64 - 1
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}
