package synth

import (
	"errors"
	"slices"
)

// H.264 NAL unit types (ITU-T H.264 table 7-1).
const (
	nalSlice = 1
	nalIDR   = 5
	nalSEI   = 6
	nalSPS   = 7
	nalPPS   = 8
	nalAUD   = 9
)

var annexBStartCode = []byte{0, 0, 0, 1}

// h264AccessUnit is the NAL units of one picture, in decoding order.
type h264AccessUnit struct {
	nals [][]byte
}

func nalType(nal []byte) byte { return nal[0] & 0x1f }

func isVCL(t byte) bool { return t == nalSlice || t == nalIDR }

// startsAccessUnit tells whether nal, following a VCL NAL unit, opens the
// next access unit (H.264 section 7.4.1.2.3): a non-VCL NAL unit of type
// 6..9 or 14..18, or the first slice of a picture. first_mb_in_slice is the
// first ue(v) of the slice header; it is 0 exactly when its first bit is 1.
// x264 with -tune zerolatency writes several slices per picture.
func startsAccessUnit(nal []byte) bool {
	t := nalType(nal)
	switch {
	case t >= nalSEI && t <= nalAUD, t >= 14 && t <= 18:
		return true
	case isVCL(t):
		return len(nal) > 1 && nal[1]&0x80 != 0
	}
	return false
}

// groupAccessUnits splits a NAL unit stream into access units. NAL units
// before the first slice go with it; trailing non-VCL units are dropped.
func groupAccessUnits(nals [][]byte) []h264AccessUnit {
	var aus []h264AccessUnit
	var cur h264AccessUnit
	hasVCL := false
	for _, nal := range nals {
		if hasVCL && startsAccessUnit(nal) {
			aus = append(aus, cur)
			cur, hasVCL = h264AccessUnit{}, false
		}
		cur.nals = append(cur.nals, nal)
		hasVCL = hasVCL || isVCL(nalType(nal))
	}
	if hasVCL {
		aus = append(aus, cur)
	}
	return aus
}

func (au h264AccessUnit) has(t byte) bool {
	return slices.ContainsFunc(au.nals, func(n []byte) bool { return nalType(n) == t })
}

// annexB writes the access unit with 4-byte start codes. An IDR access unit
// gets sps and pps in front when it lacks them, so a late joiner can decode.
func (au h264AccessUnit) annexB(sps, pps []byte) []byte {
	nals := au.nals
	if au.has(nalIDR) && !(au.has(nalSPS) && au.has(nalPPS)) {
		nals = append([][]byte{sps, pps}, withoutParameterSets(nals)...)
	}
	var out []byte
	for _, n := range nals {
		out = append(append(out, annexBStartCode...), n...)
	}
	return out
}

func withoutParameterSets(nals [][]byte) [][]byte {
	return slices.DeleteFunc(slices.Clone(nals), func(n []byte) bool {
		t := nalType(n)
		return t == nalSPS || t == nalPPS
	})
}

// firstOfType returns the first NAL unit of type t.
func firstOfType(nals [][]byte, t byte) []byte {
	i := slices.IndexFunc(nals, func(n []byte) bool { return nalType(n) == t })
	if i < 0 {
		return nil
	}
	return nals[i]
}

// h264Clip turns a NAL unit stream into a loopable clip of Annex-B access
// units with SPS and PPS in front of every IDR.
func h264Clip(nals [][]byte) (*videoClip, error) {
	sps, pps := firstOfType(nals, nalSPS), firstOfType(nals, nalPPS)
	if sps == nil || pps == nil {
		return nil, errors.New("h264 stream has no SPS or PPS")
	}
	c := &videoClip{}
	for _, au := range groupAccessUnits(nals) {
		c.frames = append(c.frames, au.annexB(sps, pps))
		c.keys = append(c.keys, au.has(nalIDR))
	}
	return c, nil
}
