// Package fanout hands one job's encoded stream from one writer to many
// readers: the RTMP outputs and the recorder.
//
// The writer never blocks on a reader. Each Reader owns a bounded ring of
// units and is drained by its own goroutine (the output's Run loop calling
// Read). Write takes no fanout-wide lock: it loads the reader list
// atomically and, per reader, holds that reader's mutex for an O(1) push.
// Nothing holds a reader's mutex while it waits.
//
// # Start points
//
// A reader starts at a sync point: a video keyframe, or any key unit when
// the stream has no video track. Units before it, audio included, are
// skipped, so audio and video start together and the first video frame
// decodes. NewReader and Reader.Reset both start at the next sync point.
//
// # Drop policy
//
// When a unit arrives and the reader's ring is full, the reader has fallen
// behind (one drop event). From then on every unit is dropped until the
// next sync point. At that sync point the ring is cleared (those stale units
// count as dropped too) and the reader restarts at the keyframe.
//
// Restarting rather than appending keeps the output decodable (the reader
// sees whole units up to the gap, then a keyframe) and brings a reader that
// fell behind back to live: after the restart its buffer holds nothing older
// than the latest keyframe, instead of a full ring of stale units. The
// writer's cost stays O(1) per unit: the clear releases at most as many
// units as were pushed since the last clear.
//
// # Tracks
//
// The fanout holds at most one track per kind, the way FLV and the recorder
// carry them. A unit whose Track pointer differs from the current track of
// its kind replaces it (e.g. a new SPS after a resolution change). Readers
// see the change as a unit whose Track pointer differs from the previous
// unit of that kind; an RTMP output compares the pointers and resends its
// sequence headers. Reader.Tracks returns the tracks at the reader's
// position, with their Config, for the sequence headers of a new
// connection.
package fanout
