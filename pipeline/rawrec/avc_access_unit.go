package rawrec

import "github.com/roomcast/roomcast/pipeline/codecs/h264"

// maxParamSetLen bounds an SPS or PPS; real ones are tens of bytes.
const maxParamSetLen = 1024

// avcAU is what the recorder needs to know of one H.264 access unit.
type avcAU struct {
	sps, pps []byte // the first of each, nil when absent
	idr      bool
	slices   int // VCL NAL units
}

func inspectAVC(au []byte) avcAU {
	var a avcAU
	for _, n := range h264.SplitAnnexB(au) {
		switch t := h264.Type(n); {
		case t == h264.NALUTypeSPS:
			if a.sps == nil && len(n) <= maxParamSetLen {
				a.sps = n
			}
		case t == h264.NALUTypePPS:
			if a.pps == nil && len(n) <= maxParamSetLen {
				a.pps = n
			}
		case t.IsVCL():
			a.idr = a.idr || t == h264.NALUTypeIDR
			a.slices++
		}
	}
	return a
}
