package h264

// IsKeyFrame reports whether the NAL units of an access unit hold an IDR
// slice: a decoder can start there (with the SPS and PPS it refers to).
func IsKeyFrame(nalus [][]byte) bool {
	for _, n := range nalus {
		if Type(n) == NALUTypeIDR {
			return true
		}
	}
	return false
}

// ParameterSets returns the SPS and PPS NAL units among nalus, in order.
func ParameterSets(nalus [][]byte) (sps, pps [][]byte) {
	for _, n := range nalus {
		switch Type(n) {
		case NALUTypeSPS:
			sps = append(sps, n)
		case NALUTypePPS:
			pps = append(pps, n)
		}
	}
	return sps, pps
}
