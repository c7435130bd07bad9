package room

import "github.com/roomcast/roomcast/pipeline/media"

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

// vp8StartCode follows the 3-byte frame tag of a keyframe (RFC 6386
// section 9.1).
var vp8StartCode = [3]byte{0x9d, 0x01, 0x2a}

// isVP8Keyframe reports whether a VP8 RTP payload is the first packet of a
// keyframe (RFC 7741 section 4.2 and 4.3): S=1 and PID=0 in the payload
// descriptor, the inverse keyframe bit P clear in the payload header, and
// the keyframe start code after the frame tag. Without the start code one
// random payload in 32 would pass for a keyframe and restart the GOP
// cache, so that new subscribers would start on garbage.
func isVP8Keyframe(p []byte) bool {
	if len(p) < 1 || p[0]&0x10 == 0 || p[0]&0x07 != 0 {
		return false
	}
	i := 1
	if p[0]&0x80 != 0 { // X: extended control bits
		if len(p) <= i {
			return false
		}
		x := p[i]
		i++
		if x&0x80 != 0 { // I: picture id, 7 or 15 bits
			if len(p) <= i {
				return false
			}
			if p[i]&0x80 != 0 {
				i++
			}
			i++
		}
		if x&0x40 != 0 { // L: TL0PICIDX
			i++
		}
		if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
			i++
		}
	}
	return len(p) >= i+6 && p[i]&0x01 == 0 && [3]byte(p[i+3:i+6]) == vp8StartCode
}

// H.264 NAL unit types (RFC 6184 section 5.2, ITU-T H.264 table 7-1).
const (
	naluIDR   = 5
	naluSPS   = 7
	naluSTAPA = 24
	naluFUA   = 28
)

// isH264Keyframe reports whether an H.264 RTP payload (RFC 6184,
// packetization mode 1) carries an IDR slice or an SPS: as a single NAL
// unit, inside a STAP-A, or as the start of an FU-A.
func isH264Keyframe(p []byte) bool {
	if len(p) < 1 {
		return false
	}
	switch t := p[0] & 0x1f; t {
	case naluSTAPA:
		return stapAHasKey(p[1:])
	case naluFUA:
		return len(p) >= 2 && p[1]&0x80 != 0 && isKeyNALU(p[1]&0x1f)
	default:
		return isKeyNALU(t)
	}
}

// stapAHasKey walks the aggregation units of a STAP-A: 16-bit size, NAL unit.
func stapAHasKey(p []byte) bool {
	for len(p) >= 3 {
		size := int(p[0])<<8 | int(p[1])
		p = p[2:]
		if size == 0 || size > len(p) {
			return false
		}
		if isKeyNALU(p[0] & 0x1f) {
			return true
		}
		p = p[size:]
	}
	return false
}

func isKeyNALU(t byte) bool { return t == naluIDR || t == naluSPS }
