package rtmp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/yapingcat/gomedia/go-codec"
)

// H.264 NAL unit types (ITU-T H.264 table 7-1).
const (
	naluSPS = 7
	naluPPS = 8
	naluAUD = 9
)

// avcFrame converts an Annex-B access unit to the length-prefixed form FLV
// carries (ISO/IEC 14496-15, 4-byte lengths) into a new buffer, dropping
// access unit delimiters, and returns the SPS and PPS the unit carries.
// (gomedia's ConvertAnnexBToAVCC rewrites its input in place, which would
// corrupt units that other outputs share.)
func avcFrame(annexB []byte) (avcc []byte, sps, pps [][]byte) {
	avcc = make([]byte, 0, len(annexB)+16)
	eachNALU(annexB, func(nalu []byte) {
		switch nalu[0] & 0x1f {
		case naluAUD:
			return
		case naluSPS:
			sps = append(sps, nalu)
		case naluPPS:
			pps = append(pps, nalu)
		}
		avcc = binary.BigEndian.AppendUint32(avcc, uint32(len(nalu)))
		avcc = append(avcc, nalu...)
	})
	return avcc, sps, pps
}

// eachNALU calls fn with every non-empty NAL unit of an Annex-B stream,
// without its start code.
func eachNALU(annexB []byte, fn func(nalu []byte)) {
	codec.SplitFrameWithStartCode(annexB, func(nalu []byte) bool {
		if i := bytes.IndexByte(nalu, 1); i >= 0 && i+1 < len(nalu) {
			fn(nalu[i+1:])
		}
		return true
	})
}

// avcConfig builds the AVCDecoderConfigurationRecord (ISO/IEC 14496-15
// 5.2.4.1) from the unit's own SPS and PPS when it carries both, else from
// the track's Config.
func avcConfig(t *media.Track, sps, pps [][]byte) ([]byte, error) {
	if len(sps) == 0 || len(pps) == 0 {
		sps, pps = nil, nil
		eachNALU(t.Config, func(nalu []byte) {
			switch nalu[0] & 0x1f {
			case naluSPS:
				sps = append(sps, nalu)
			case naluPPS:
				pps = append(pps, nalu)
			}
		})
	}
	if len(sps) == 0 || len(pps) == 0 {
		return nil, errors.New("no SPS and PPS in the keyframe or the track config")
	}
	return avcRecord(sps, pps)
}

// avcRecord wraps gomedia's builder, which parses the SPS and can panic on
// a malformed one.
func avcRecord(sps, pps [][]byte) (rec []byte, err error) {
	if len(sps[0]) < 4 {
		return nil, errors.New("SPS too short")
	}
	defer func() {
		if r := recover(); r != nil {
			rec, err = nil, fmt.Errorf("malformed SPS: %v", r)
		}
	}()
	// CreateH264AVCCExtradata wants start codes and reslices its arguments.
	withSC := func(in [][]byte) [][]byte {
		out := make([][]byte, len(in))
		for i, n := range in {
			out[i] = append([]byte{0, 0, 0, 1}, n...)
		}
		return out
	}
	return codec.CreateH264AVCCExtradata(withSC(sps), withSC(pps))
}
