// Package mux holds pure muxers that write to an io.Writer: fragmented MP4
// (ISO/IEC 14496-12, -15; segments in the style of ISO/IEC 23000-19 CMAF)
// and HLS media playlists (RFC 8216). It does no network or storage I/O.
package mux
