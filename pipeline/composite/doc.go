// Package composite holds the building blocks of composed layouts: the audio
// mix of all participants, the choice of the active speaker, and the
// interleaving of encoded tracks before they reach the muxers.
//
// Everything here is pure: no goroutines, no wall clock. Time is the PTS of
// the room's common clock (see media.Unit), so the same input always gives
// the same output and tests need no sleeps.
package composite
