package composite

import "github.com/roomcast/roomcast/pipeline/codecs/h264"

// maxPassthroughSide bounds the picture size a passed-through SPS may
// declare.
const maxPassthroughSide = 8192

// spsSize returns the picture size the first H.264 SPS of an Annex-B
// stream declares, or 0, 0 when there is none or it cannot be read.
func spsSize(annexB []byte) (w, h int) {
	sps, _ := h264.ParameterSets(h264.SplitAnnexB(annexB))
	if len(sps) == 0 {
		return 0, 0
	}
	s, err := h264.ParseSPS(sps[0])
	if err != nil || s.Width > maxPassthroughSide || s.Height > maxPassthroughSide {
		return 0, 0
	}
	return s.Width, s.Height
}
