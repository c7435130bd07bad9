package depacketizer

import (
	"fmt"
	"time"

	"github.com/pion/rtp"
)

// Opus packet limits (RFC 6716 section 3).
const (
	opusMaxFrameBytes = 1275                   // largest compressed frame (section 3.2.1)
	opusMaxDuration   = 120 * time.Millisecond // longest packet (section 3.2.5)
	opusFlagVBR       = 0x80                   // code 3 frame count byte: variable bitrate
	opusFlagPadding   = 0x40                   // code 3 frame count byte: padding present
	opusMaskCount     = 0x3f                   // code 3 frame count byte: number of frames
)

// opusDepacketizer turns RTP packets into Opus packets (RFC 7587 section
// 4.2: one RTP payload is exactly one Opus packet, hence one frame).
type opusDepacketizer struct {
	out [1]Frame // what Push returns, reused
}

func newOpusDepacketizer() *opusDepacketizer { return &opusDepacketizer{} }

// Reset does nothing: an Opus frame never spans packets.
func (d *opusDepacketizer) Reset() {}

// Push returns the packet's payload as a frame once its TOC byte and frame
// lengths have been checked.
func (d *opusDepacketizer) Push(p *rtp.Packet) ([]Frame, error) {
	payload, skip, err := packetPayload("opus", p)
	if err != nil || skip {
		return nil, err
	}
	if err := checkOpusPacket(payload); err != nil {
		return nil, err
	}
	d.out[0] = Frame{RTPTime: p.Timestamp, Key: true, Data: append([]byte(nil), payload...)}
	return d.out[:], nil
}

// opusFrameDuration is the duration of each frame of a packet, from the
// configuration number in its TOC byte (RFC 6716 section 3.1, table 2).
func opusFrameDuration(toc byte) time.Duration {
	config := toc >> 3
	switch {
	case config < 12: // SILK-only: 10, 20, 40, 60 ms
		return [4]time.Duration{10, 20, 40, 60}[config%4] * time.Millisecond
	case config < 16: // Hybrid: 10, 20 ms
		return [2]time.Duration{10, 20}[config%2] * time.Millisecond
	default: // CELT-only: 2.5, 5, 10, 20 ms
		return [4]time.Duration{2500, 5000, 10000, 20000}[config%4] * time.Microsecond
	}
}

// checkOpusPacket enforces the requirements R1 to R7 of RFC 6716 section
// 3.4 on one Opus packet.
func checkOpusPacket(b []byte) error {
	if len(b) > maxAudioFrameBytes {
		return fmt.Errorf("opus: packet of %d bytes: %w", len(b), ErrMalformed)
	}
	rest := b[1:] // len(b) >= 1 (R1) is checked by packetPayload
	switch b[0] & 3 {
	case 0: // one frame (section 3.2.2)
		return checkOpusFrameLen(len(rest))
	case 1: // two frames of equal size (section 3.2.3)
		if len(rest)%2 != 0 {
			return fmt.Errorf("opus: code 1 packet with %d odd frame bytes: %w", len(rest), ErrMalformed)
		}
		return checkOpusFrameLen(len(rest) / 2)
	case 2: // two frames, the first one's length coded (section 3.2.4)
		n, k, err := opusFrameLen(rest)
		if err != nil {
			return err
		}
		if n > len(rest)-k {
			return fmt.Errorf("opus: code 2 frame of %d bytes in %d: %w", n, len(rest)-k, ErrMalformed)
		}
		return checkOpusFrameLen(len(rest) - k - n)
	default: // a signaled number of frames (section 3.2.5)
		return checkOpusCode3(b[0], rest)
	}
}

// checkOpusCode3 checks a code 3 packet: the frame count byte, the optional
// padding length and, for VBR, the lengths of all frames but the last.
func checkOpusCode3(toc byte, b []byte) error {
	if len(b) < 1 {
		return fmt.Errorf("opus: code 3 packet without frame count: %w", ErrMalformed)
	}
	count := int(b[0] & opusMaskCount)
	if count == 0 || time.Duration(count)*opusFrameDuration(toc) > opusMaxDuration {
		return fmt.Errorf("opus: code 3 packet of %d frames: %w", count, ErrMalformed)
	}
	vbr, padded := b[0]&opusFlagVBR != 0, b[0]&opusFlagPadding != 0
	b = b[1:]
	padding := 0
	for padded {
		if len(b) < 1 {
			return fmt.Errorf("opus: truncated padding length: %w", ErrMalformed)
		}
		if b[0] == 255 {
			padding += 254
		} else {
			padding += int(b[0])
			padded = false
		}
		b = b[1:]
	}
	if padding > len(b) {
		return fmt.Errorf("opus: %d padding bytes in %d: %w", padding, len(b), ErrMalformed)
	}
	data := len(b) - padding // header bytes still in b are removed below
	if !vbr {
		if data%count != 0 {
			return fmt.Errorf("opus: %d CBR bytes for %d frames: %w", data, count, ErrMalformed)
		}
		return checkOpusFrameLen(data / count)
	}
	for range count - 1 {
		n, k, err := opusFrameLen(b[:data])
		if err != nil {
			return err
		}
		b, data = b[k:], data-k-n
		if data < 0 {
			return fmt.Errorf("opus: VBR frame lengths exceed the packet: %w", ErrMalformed)
		}
	}
	return checkOpusFrameLen(data)
}

// opusFrameLen decodes a one- or two-byte frame length (RFC 6716 section
// 3.2.1) and returns it with the number of bytes it took.
func opusFrameLen(b []byte) (n, size int, err error) {
	switch {
	case len(b) < 1:
		return 0, 0, fmt.Errorf("opus: missing frame length: %w", ErrMalformed)
	case b[0] < 252:
		return int(b[0]), 1, nil
	case len(b) < 2:
		return 0, 0, fmt.Errorf("opus: truncated frame length: %w", ErrMalformed)
	}
	return int(b[1])*4 + int(b[0]), 2, nil
}

// checkOpusFrameLen rejects a frame longer than 1275 bytes (R2).
func checkOpusFrameLen(n int) error {
	if n > opusMaxFrameBytes {
		return fmt.Errorf("opus: frame of %d bytes: %w", n, ErrMalformed)
	}
	return nil
}
