package rtmp

import (
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/media"
)

// avcNALUs returns the NAL units of an Annex-B access unit that FLV
// carries, all but access unit delimiters, and among them the SPS and
// PPS. They share annexB's memory: units are shared with other outputs,
// so nothing here modifies them.
func avcNALUs(annexB []byte) (nalus, sps, pps [][]byte) {
	for _, n := range h264.SplitAnnexB(annexB) {
		switch h264.Type(n) {
		case h264.NALUTypeAUD:
			continue
		case h264.NALUTypeSPS:
			sps = append(sps, n)
		case h264.NALUTypePPS:
			pps = append(pps, n)
		}
		nalus = append(nalus, n)
	}
	return nalus, sps, pps
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
