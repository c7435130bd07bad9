// Package vp8 holds the VP8 bitstream facts the pipeline needs, once: the
// frame header (RFC 6386 section 9.1) and the RTP payload descriptor (RFC
// 7741 section 4.2). It is pure Go on the standard library and never panics
// on any input.
package vp8
