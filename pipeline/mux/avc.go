package mux

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/mp4box"
)

// ErrBadConfig reports a track whose codec configuration is unusable.
var ErrBadConfig = errors.New("bad codec config")

// avcParams holds the parameter sets from a track's Config and the
// AVCDecoderConfigurationRecord made of them.
type avcParams struct {
	sps, pps [][]byte
	record   []byte
}

func parseAVCConfig(cfg []byte) (avcParams, error) {
	var p avcParams
	p.sps, p.pps = h264.ParameterSets(h264.SplitAnnexB(cfg))
	if len(p.sps) == 0 || len(p.pps) == 0 || len(p.sps[0]) < 4 {
		return p, fmt.Errorf("h264 config needs SPS and PPS in Annex-B: %w", ErrBadConfig)
	}
	rec, err := h264.ConfigurationRecord(p.sps, p.pps)
	if err != nil {
		return p, fmt.Errorf("h264 config: %w: %w", err, ErrBadConfig)
	}
	p.record = rec
	return p, nil
}

func (p avcParams) has(n []byte) bool {
	eq := func(s []byte) bool { return bytes.Equal(s, n) }
	return slices.ContainsFunc(p.sps, eq) || slices.ContainsFunc(p.pps, eq)
}

// toAVCC converts an Annex-B access unit to 4-byte length-prefixed NAL
// units (ISO/IEC 14496-15 §5.3.2). AUDs and filler are dropped. A key
// sample starts with the sample entry's parameter sets, in band as well:
// a player that goes on across a discontinuity to another init segment
// without applying its sample entry (ffmpeg's HLS demuxer does) would
// otherwise decode the new stream with the old stream's SPS and PPS.
// Elsewhere parameter sets equal to the sample entry's are dropped; new
// ones stay in band.
func (p avcParams) toAVCC(au []byte, key bool) []byte {
	nals := h264.SplitAnnexB(au)
	out := make([]byte, 0, len(au)+4)
	if key {
		out = h264.AppendAVCC(out, p.sps...)
		out = h264.AppendAVCC(out, p.pps...)
	}
	for _, n := range nals {
		switch t := h264.Type(n); {
		case t == h264.NALUTypeAUD || t == h264.NALUTypeFiller:
			continue
		case t.IsParameterSet() && p.has(n):
			continue
		}
		out = h264.AppendAVCC(out, n)
	}
	return out
}

// writeAvcC writes the AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// §5.3.3.1) with 4-byte NAL lengths.
func (p avcParams) writeAvcC(w *mp4box.Writer) {
	box := w.Start("avcC")
	w.Bytes(p.record)
	w.End(box)
}
