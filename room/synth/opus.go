package synth

import (
	"errors"
	"fmt"
)

// opusSamples is the duration of an Opus packet in 48 kHz samples, read
// from its TOC byte (RFC 6716 section 3.1).
func opusSamples(packet []byte) (uint32, error) {
	if len(packet) == 0 {
		return 0, errors.New("empty opus packet")
	}
	toc := packet[0]
	frames := 1
	switch toc & 0x03 {
	case 1, 2:
		frames = 2
	case 3:
		if len(packet) < 2 {
			return 0, errors.New("opus code 3 packet without frame count")
		}
		frames = int(packet[1] & 0x3f)
	}
	total := uint32(frames) * opusFrameSamples(toc>>3)
	if total == 0 || total > 5760 { // at most 120 ms
		return 0, fmt.Errorf("opus packet of %d samples", total)
	}
	return total, nil
}

// opusFrameSamples is the frame size of a TOC configuration number at 48 kHz.
func opusFrameSamples(config byte) uint32 {
	switch {
	case config < 12: // SILK: 10, 20, 40, 60 ms
		return []uint32{480, 960, 1920, 2880}[config%4]
	case config < 16: // Hybrid: 10, 20 ms
		return []uint32{480, 960}[config%2]
	default: // CELT: 2.5, 5, 10, 20 ms
		return []uint32{120, 240, 480, 960}[config%4]
	}
}
