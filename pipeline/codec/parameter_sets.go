package codec

// ParameterSets returns the SPS and PPS NAL units of an H.264 access unit
// in Annex-B (4-byte start codes), or nil when it carries none. Muxers
// use them as the AVC sequence header of a passed-through stream.
func ParameterSets(annexB []byte) []byte { return parameterSets(annexB) }
