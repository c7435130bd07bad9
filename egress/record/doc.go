// Package record is the record output of an egress job: it cuts the job's
// encoded stream (H.264 + AAC) into CMAF fMP4 segments at keyframes and
// hands each closed segment, then the manifest that names it (any new
// sealed index chunk, then its small head), to a crash-safe spool that
// uploads them in that order; the VOD playlist is written once, at the
// end. A crash
// therefore loses at most the segment being written: what the store holds
// is always a playable, self-describing recording.
//
// A journal entry in the work directory marks each recording in progress;
// Recover, at start-up, marks the recordings an earlier process left
// behind as interrupted once the spool has uploaded what it had.
package record
