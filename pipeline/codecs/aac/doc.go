// Package aac holds the AAC-LC bitstream facts the pipeline needs, once
// (ISO/IEC 14496-3 subpart 4): the channel configuration of an
// AudioSpecificConfig, and turning a mono raw_data_block into a stereo one
// whose two channels are the same, without decoding the spectrum. It is
// pure Go on the standard library and never panics on any input.
package aac
