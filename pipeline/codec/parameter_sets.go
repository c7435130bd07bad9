package codec

import (
	"slices"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
)

// ParameterSets returns the SPS and PPS NAL units of an H.264 access unit
// in Annex-B (4-byte start codes), or nil when it carries none. Muxers
// use them as the AVC sequence header of a passed-through stream.
func ParameterSets(annexB []byte) []byte {
	ps := slices.DeleteFunc(h264.SplitAnnexB(annexB), func(n []byte) bool { return !h264.Type(n).IsParameterSet() })
	if len(ps) == 0 {
		return nil
	}
	return h264.JoinAnnexB(ps)
}
