package composite

import "time"

// passingOut reports whether the output sends passed-through video. Called
// with l.mu held.
func (l *Layout) passingOut() bool {
	return l.passing && l.passOut && len(l.canvases) == 1
}

// latency is how far the live output runs now behind the newest input:
// the inputs' lateness plus a margin, within the floor of what the output
// does and LayoutConfig.Latency. Passed-through video does not wait for
// the output's clock, so then only the audio's lateness counts: the mix
// must not pass over samples still on their way. A composed picture waits
// for every input.
func (l *Layout) latency() time.Duration {
	l.mu.Lock()
	passing := l.passingOut()
	l.mu.Unlock()
	floor := ComposeMinLatency
	if passing {
		floor = PassthroughMinLatency
	}
	late, ok := l.clock.lateness(passing)
	if !ok {
		return l.cfg.Latency // the first seconds: the inputs' lateness is not known yet
	}
	return min(max(late+latencyMargin, floor), l.cfg.Latency)
}

// interleaveWait is how long the output's audio waits for a late video
// unit (and the reverse) before it goes on without it, in a step whose
// horizon is latency behind the inputs: one and a half times the inputs'
// lateness and two margins, within [minInterleaveWait, DefaultMaxWait],
// instead of DefaultMaxWait always; and never less than the audio trails
// passed-through video in that step (latency, audioOutputDelay and a
// margin), which would take the audio for stalled.
func (l *Layout) interleaveWait(latency time.Duration) time.Duration {
	trail := latency + audioOutputDelay + latencyMargin
	late, ok := l.clock.lateness(false)
	if !ok {
		return max(DefaultMaxWait, trail)
	}
	return max(min(max(late+late/2+2*latencyMargin, minInterleaveWait), DefaultMaxWait), trail)
}
