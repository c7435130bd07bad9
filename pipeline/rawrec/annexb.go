package rawrec

// H.264 NAL unit types (ITU-T H.264 Table 7-1).
const (
	nalSlice = 1
	nalIDR   = 5
	nalSPS   = 7
	nalPPS   = 8
)

// maxParamSetLen bounds an SPS or PPS; real ones are tens of bytes.
const maxParamSetLen = 1024

// nalUnits returns the non-empty NAL units of an Annex-B access unit,
// accepting 3- and 4-byte start codes.
func nalUnits(au []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(au); i++ {
		if au[i] != 0 || au[i+1] != 0 || au[i+2] != 1 {
			continue
		}
		if start >= 0 {
			nals = appendNonEmpty(nals, au[start:i])
		}
		start = i + 3
		i += 2
	}
	if start >= 0 {
		nals = appendNonEmpty(nals, au[start:])
	}
	return nals
}

// appendNonEmpty drops the zero bytes that belong to the next start code.
func appendNonEmpty(nals [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) > 0 {
		nals = append(nals, n)
	}
	return nals
}

// avcAU is what the recorder needs to know of one H.264 access unit.
type avcAU struct {
	sps, pps []byte // the first of each, nil when absent
	idr      bool
	slices   int // VCL NAL units
}

func inspectAVC(au []byte) avcAU {
	var a avcAU
	for _, n := range nalUnits(au) {
		switch t := n[0] & 0x1F; t {
		case nalSPS:
			if a.sps == nil && len(n) <= maxParamSetLen {
				a.sps = n
			}
		case nalPPS:
			if a.pps == nil && len(n) <= maxParamSetLen {
				a.pps = n
			}
		case nalIDR:
			a.idr = true
			a.slices++
		default:
			if t >= nalSlice && t < nalIDR {
				a.slices++
			}
		}
	}
	return a
}

// unescapeRBSP removes emulation prevention bytes (00 00 03 → 00 00,
// ITU-T H.264 §7.4.1).
func unescapeRBSP(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, c := range b {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}
