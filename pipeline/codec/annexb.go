package codec

// H.264 Annex-B byte streams (ITU-T H.264 Annex B): NAL units behind
// 0x000001 or 0x00000001 start codes.

// H.264 NAL unit types (ITU-T H.264 table 7-1).
const (
	nalIDR = 5
	nalSEI = 6
	nalSPS = 7
	nalPPS = 8
	nalAUD = 9
)

// splitNALs returns the NAL units of an Annex-B stream, without start
// codes or trailing zero bytes. Bytes before the first start code are
// ignored.
func splitNALs(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 {
			i++
			continue
		}
		if start >= 0 {
			nals = appendNAL(nals, b[start:i])
		}
		i += 3
		start = i
	}
	if start >= 0 {
		nals = appendNAL(nals, b[start:])
	}
	return nals
}

// appendNAL appends n without its trailing zeros (a NAL unit ends with the
// rbsp stop bit, so they belong to the next start code), unless empty.
func appendNAL(nals [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) == 0 {
		return nals
	}
	return append(nals, n)
}

// joinNALs writes NAL units as Annex-B with 4-byte start codes.
func joinNALs(nals [][]byte) []byte {
	size := 0
	for _, n := range nals {
		size += 4 + len(n)
	}
	out := make([]byte, 0, size)
	for _, n := range nals {
		out = append(out, 0, 0, 0, 1)
		out = append(out, n...)
	}
	return out
}

// nalType is the nal_unit_type of a NAL unit.
func nalType(n []byte) byte { return n[0] & 0x1f }

// parameterSets returns the SPS and PPS NAL units of an Annex-B stream as
// Annex-B with 4-byte start codes, or nil if it has neither.
func parameterSets(b []byte) []byte {
	var ps [][]byte
	for _, n := range splitNALs(b) {
		if t := nalType(n); t == nalSPS || t == nalPPS {
			ps = append(ps, n)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return joinNALs(ps)
}
