package composite

// InterleaverStats are the counters of an Interleaver since its creation,
// in units.
type InterleaverStats struct {
	// Pushed counts every unit pushed.
	Pushed uint64
	// Released counts the units Pop and Flush returned.
	Released uint64
	// Queued is the number of units waiting.
	Queued int
	// Stalls counts the times a track stopped holding the others back
	// because it pushed nothing for MaxWait.
	Stalls uint64
	// DroppedNonMonotonic counts units whose DTS was not after the
	// previous unit of their track (duplicates, reordering).
	DroppedNonMonotonic uint64
	// DroppedLate counts units whose DTS was before a unit already
	// released: their track had stalled, or was pushed after a Flush.
	DroppedLate uint64
	// DroppedUntilKey counts the units dropped after a late one until the
	// next keyframe of their track, which a decoder needs to resume.
	DroppedUntilKey uint64
	// DroppedAudio and DroppedVideo split the units of DroppedLate and
	// DroppedUntilKey by their track's kind: each audio one is a hole in
	// the sound.
	DroppedAudio, DroppedVideo uint64
}
