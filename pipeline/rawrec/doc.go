// Package rawrec records each participant's tracks as they arrive, without
// transcoding, for post-production. Every track is written to its own
// files, rotated into parts of about Config.PartDuration so a crash loses
// at most one part:
//
//   - H.264 as fragmented MP4 (ISO/IEC 14496-12 §8.8) through pipeline/mux,
//     one fragment per GOP of about two seconds;
//   - VP8 as video-only WebM (Matroska SimpleBlocks, millisecond
//     timecodes), written with github.com/at-wat/ebml-go;
//   - Opus as Ogg Opus (RFC 7845 on RFC 3533 pages).
//
// Video parts start at a keyframe, so each part decodes on its own. A part
// is fsynced, renamed from its ".partial" name and then handed to
// Config.OnFile, which owns it from then on. Malformed units are dropped
// and counted, never trusted.
package rawrec
