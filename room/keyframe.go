package room

import (
	"github.com/roomcast/roomcast/pipeline/codecs/h264"
	"github.com/roomcast/roomcast/pipeline/codecs/vp8"
	"github.com/roomcast/roomcast/pipeline/media"
)

// keyframeDetector returns the function that tells whether an RTP payload
// of the codec starts a keyframe. Audio packets are all "keyframes".
func keyframeDetector(c media.Codec) func([]byte) bool {
	switch c {
	case media.CodecVP8:
		return isVP8Keyframe
	case media.CodecH264:
		return isH264Keyframe
	default:
		return func([]byte) bool { return true }
	}
}

// isVP8Keyframe reports whether a VP8 RTP payload is the first packet of a
// keyframe (RFC 7741 section 4.2 and 4.3): S=1 and PID=0 in the payload
// descriptor, the inverse keyframe bit P clear in the payload header, and
// the keyframe start code after the frame tag. Without the start code one
// random payload in 32 would pass for a keyframe and restart the GOP
// cache, so that new subscribers would start on garbage.
func isVP8Keyframe(p []byte) bool {
	d, err := vp8.ParsePayloadDescriptor(p)
	return err == nil && d.FirstPacket() && vp8.HasKeyFrameStart(p[d.Len:])
}

// isH264Keyframe reports whether an H.264 RTP payload (RFC 6184,
// packetization mode 1) carries an IDR slice or an SPS: as a single NAL
// unit, inside a STAP-A, or as the start of an FU-A.
func isH264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := h264.Type(p); t {
	case h264.NALUTypeSTAPA:
		key := false
		_ = h264.EachSTAPA(p[1:], func(n []byte) error {
			key = key || isKeyNALU(h264.Type(n))
			return nil
		})
		return key
	case h264.NALUTypeFUA:
		t, start := h264.FUStart(p)
		return start && isKeyNALU(t)
	default:
		return isKeyNALU(t)
	}
}

func isKeyNALU(t h264.NALUType) bool { return t == h264.NALUTypeIDR || t == h264.NALUTypeSPS }
