package mux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/roomcast/roomcast/pipeline/mp4box"
)

// H.264 NAL unit types (ITU-T H.264 Table 7-1) the muxer cares about.
const (
	nalIDR = 5
	nalSPS = 7
	nalPPS = 8
	nalAUD = 9
	nalFil = 12
)

// ErrBadConfig reports a track whose codec configuration is unusable.
var ErrBadConfig = errors.New("bad codec config")

// splitAnnexB returns the NAL units of an Annex-B byte stream, accepting
// 3- and 4-byte start codes.
func splitAnnexB(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				nals = appendNAL(nals, b[start:i])
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 {
		nals = appendNAL(nals, b[start:])
	}
	return nals
}

// appendNAL trims the trailing zero bytes that belong to the next 4-byte
// start code and keeps non-empty units.
func appendNAL(nals [][]byte, n []byte) [][]byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	if len(n) > 0 {
		nals = append(nals, n)
	}
	return nals
}

// avcParams holds the parameter sets from a track's Config.
type avcParams struct {
	sps, pps [][]byte
}

func parseAVCConfig(cfg []byte) (avcParams, error) {
	var p avcParams
	for _, n := range splitAnnexB(cfg) {
		switch n[0] & 0x1F {
		case nalSPS:
			p.sps = append(p.sps, n)
		case nalPPS:
			p.pps = append(p.pps, n)
		}
	}
	if len(p.sps) == 0 || len(p.pps) == 0 || len(p.sps[0]) < 4 {
		return p, fmt.Errorf("h264 config needs SPS and PPS in Annex-B: %w", ErrBadConfig)
	}
	return p, nil
}

func (p avcParams) has(n []byte) bool {
	for _, s := range append(append([][]byte{}, p.sps...), p.pps...) {
		if bytes.Equal(s, n) {
			return true
		}
	}
	return false
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
	nals := splitAnnexB(au)
	out := make([]byte, 0, len(au)+4)
	if key {
		for _, n := range append(append([][]byte{}, p.sps...), p.pps...) {
			out = binary.BigEndian.AppendUint32(out, uint32(len(n)))
			out = append(out, n...)
		}
	}
	for _, n := range nals {
		switch t := n[0] & 0x1F; {
		case t == nalAUD || t == nalFil:
			continue
		case (t == nalSPS || t == nalPPS) && p.has(n):
			continue
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(n)))
		out = append(out, n...)
	}
	return out
}

// writeAvcC writes an AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// §5.3.3.1) with 4-byte NAL lengths.
func (p avcParams) writeAvcC(w *mp4box.Writer) {
	box := w.Start("avcC")
	sps := p.sps[0]
	w.U8(1)      // configurationVersion
	w.U8(sps[1]) // AVCProfileIndication
	w.U8(sps[2]) // profile_compatibility
	w.U8(sps[3]) // AVCLevelIndication
	w.U8(0xFC | 3)
	w.U8(0xE0 | uint8(len(p.sps)))
	for _, s := range p.sps {
		w.U16(uint16(len(s)))
		w.Bytes(s)
	}
	w.U8(uint8(len(p.pps)))
	for _, s := range p.pps {
		w.U16(uint16(len(s)))
		w.Bytes(s)
	}
	w.End(box)
}
