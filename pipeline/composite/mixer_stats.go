package composite

// MixerStats are the counters of a Mixer since its creation, in frames
// (one sample per channel).
type MixerStats struct {
	// PushedFrames counts every whole frame passed to Push.
	PushedFrames uint64
	// DroppedLateFrames counts frames older than the output already
	// pulled.
	DroppedLateFrames uint64
	// DroppedOverlapFrames counts frames dropped because a participant's
	// PTS jumped back by more than Reanchor over samples it had already
	// pushed.
	DroppedOverlapFrames uint64
	// DroppedOverflowFrames counts frames more than MaxAhead past the
	// next output sample.
	DroppedOverflowFrames uint64
	// Participants is the number of participants mixed, not counting
	// removed ones whose last samples are still playing out.
	Participants int
}
