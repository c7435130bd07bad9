package rtmp

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// avcFrame converts an Annex-B access unit to the length-prefixed form FLV
// carries (ISO/IEC 14496-15, 4-byte lengths) into a new buffer, dropping
// access unit delimiters, and returns the SPS and PPS the unit carries.
// Units are shared with other outputs, so the input stays as it is.
func avcFrame(annexB []byte) (avcc []byte, sps, pps [][]byte) {
	avcc = make([]byte, 0, len(annexB)+16)
	for _, n := range h264.SplitAnnexB(annexB) {
		switch h264.Type(n) {
		case h264.NALUTypeAUD:
			continue
		case h264.NALUTypeSPS:
			sps = append(sps, n)
		case h264.NALUTypePPS:
			pps = append(pps, n)
		}
		avcc = h264.AppendAVCC(avcc, n)
	}
	return avcc, sps, pps
}

// avcConfig builds the AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// 5.2.4.1) from the unit's own SPS and PPS when it carries both, else from
// the track's Config.
func avcConfig(t *media.Track, sps, pps [][]byte) ([]byte, error) {
	if len(sps) == 0 || len(pps) == 0 {
		sps, pps = h264.ParameterSets(h264.SplitAnnexB(t.Config))
	}
	if len(sps) == 0 || len(pps) == 0 {
		return nil, errors.New("no SPS and PPS in the keyframe or the track config")
	}
	rec, err := h264.ConfigurationRecord(sps, pps)
	if err != nil {
		return nil, fmt.Errorf("avc sequence header: %w", err)
	}
	return rec, nil
}
