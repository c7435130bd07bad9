package synth

import (
	"errors"
	"slices"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
)

// h264AccessUnit is the NAL units of one picture, in decoding order.
type h264AccessUnit struct {
	nals [][]byte
}

// startsAccessUnit tells whether nal, following a VCL NAL unit, opens the
// next access unit (H.264 section 7.4.1.2.3): a non-VCL NAL unit of type
// 6..9 or 14..18, or the first slice of a picture. first_mb_in_slice is the
// first ue(v) of the slice header; it is 0 exactly when its first bit is 1.
// x264 with -tune zerolatency writes several slices per picture.
func startsAccessUnit(nal []byte) bool {
	t := h264.Type(nal)
	switch {
	case t >= h264.NALUTypeSEI && t <= h264.NALUTypeAUD, t >= h264.NALUTypePrefix && t <= 18:
		return true
	case t.IsVCL():
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
		hasVCL = hasVCL || h264.Type(nal).IsVCL()
	}
	if hasVCL {
		aus = append(aus, cur)
	}
	return aus
}

func (au h264AccessUnit) has(t h264.NALUType) bool {
	return slices.ContainsFunc(au.nals, func(n []byte) bool { return h264.Type(n) == t })
}

// annexB writes the access unit with 4-byte start codes. An IDR access unit
// gets sps and pps in front when it lacks them, so a late joiner can decode.
func (au h264AccessUnit) annexB(sps, pps []byte) []byte {
	nals := au.nals
	if au.has(h264.NALUTypeIDR) && !(au.has(h264.NALUTypeSPS) && au.has(h264.NALUTypePPS)) {
		nals = append([][]byte{sps, pps}, withoutParameterSets(nals)...)
	}
	return h264.JoinAnnexB(nals)
}

func withoutParameterSets(nals [][]byte) [][]byte {
	return slices.DeleteFunc(slices.Clone(nals), func(n []byte) bool {
		return h264.Type(n).IsParameterSet()
	})
}

// firstOfType returns the first NAL unit of type t.
func firstOfType(nals [][]byte, t h264.NALUType) []byte {
	i := slices.IndexFunc(nals, func(n []byte) bool { return h264.Type(n) == t })
	if i < 0 {
		return nil
	}
	return nals[i]
}

// h264Clip turns a NAL unit stream into a loopable clip of Annex-B access
// units with SPS and PPS in front of every IDR.
func h264Clip(nals [][]byte) (*videoClip, error) {
	sps, pps := firstOfType(nals, h264.NALUTypeSPS), firstOfType(nals, h264.NALUTypePPS)
	if sps == nil || pps == nil {
		return nil, errors.New("h264 stream has no SPS or PPS")
	}
	c := &videoClip{}
	for _, au := range groupAccessUnits(nals) {
		c.frames = append(c.frames, au.annexB(sps, pps))
		c.keys = append(c.keys, au.has(h264.NALUTypeIDR))
	}
	return c, nil
}
