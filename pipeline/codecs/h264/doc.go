// Package h264 holds the H.264 bitstream facts the pipeline needs, once:
// NAL unit types, Annex-B and AVCC (length-prefixed) framing, access unit
// inspection, the sequence parameter set and the
// AVCDecoderConfigurationRecord. It is pure Go on the standard library and
// never panics on any input (ITU-T H.264, ISO/IEC 14496-15).
package h264
