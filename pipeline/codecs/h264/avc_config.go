package h264

import (
	"errors"
	"fmt"
)

// ErrBadParameterSets reports parameter sets that cannot make an
// AVCDecoderConfigurationRecord.
var ErrBadParameterSets = errors.New("bad h264 parameter sets")

// ConfigurationRecord builds an AVCDecoderConfigurationRecord (ISO/IEC
// 14496-15 section 5.3.3.1) with 4-byte NAL unit lengths from SPS and PPS
// NAL units (no start codes), as the avcC box and the FLV AVC sequence
// header carry it. Profile and level come from the first SPS. For profiles
// other than Baseline, Main and Extended the record ends with the chroma
// format and bit depths the SPS declares and no SPS extensions.
func ConfigurationRecord(sps, pps [][]byte) ([]byte, error) {
	if len(sps) == 0 || len(pps) == 0 {
		return nil, fmt.Errorf("%w: need an SPS and a PPS", ErrBadParameterSets)
	}
	if len(sps) > 31 || len(pps) > 255 {
		return nil, fmt.Errorf("%w: %d SPS and %d PPS", ErrBadParameterSets, len(sps), len(pps))
	}
	if len(sps[0]) < 4 {
		return nil, fmt.Errorf("%w: SPS of %d bytes", ErrBadParameterSets, len(sps[0]))
	}
	rec := []byte{1, sps[0][1], sps[0][2], sps[0][3], 0xfc | 3, 0xe0 | uint8(len(sps))}
	rec, err := appendParameterSets(rec, sps)
	if err != nil {
		return nil, err
	}
	rec = append(rec, uint8(len(pps)))
	if rec, err = appendParameterSets(rec, pps); err != nil {
		return nil, err
	}
	return appendHighProfileFields(rec, sps[0])
}

// appendParameterSets appends each set behind its 16-bit length.
func appendParameterSets(rec []byte, sets [][]byte) ([]byte, error) {
	for _, s := range sets {
		if len(s) == 0 || len(s) > 0xffff {
			return nil, fmt.Errorf("%w: parameter set of %d bytes", ErrBadParameterSets, len(s))
		}
		rec = append(rec, byte(len(s)>>8), byte(len(s)))
		rec = append(rec, s...)
	}
	return rec, nil
}

// appendHighProfileFields appends chroma_format, the bit depths and
// numOfSequenceParameterSetExt = 0 unless the profile is 66, 77 or 88.
func appendHighProfileFields(rec, sps []byte) ([]byte, error) {
	switch sps[1] {
	case 66, 77, 88:
		return rec, nil
	}
	s, err := ParseSPS(sps)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadParameterSets, err)
	}
	return append(rec,
		0xfc|uint8(s.ChromaFormatIDC&3),
		0xf8|uint8((s.BitDepthLuma-8)&7),
		0xf8|uint8((s.BitDepthChroma-8)&7),
		0), nil
}
