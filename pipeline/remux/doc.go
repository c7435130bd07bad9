// Package remux turns a recording stored as fragmented MP4 (CMAF) segments
// into one progressive, "faststart" MP4 file (ISO/IEC 14496-12): ftyp,
// moov with full sample tables, then a single mdat holding every segment's
// mdat payload verbatim. Nothing is re-encoded.
//
// Build reads the init segments and only the head (styp + moof) of each
// media segment, so the layout of the output is known before any media
// byte moves. File.NewReader then serves the output as a virtual file:
// the header lives in memory and mdat bytes are fetched from the segments
// on demand, which suits http.ServeContent with Range requests.
package remux
