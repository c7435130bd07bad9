package synth

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
)

// audioClip is a looped sequence of Opus packets held in memory, with the
// duration of each in 48 kHz samples.
type audioClip struct {
	packets [][]byte
	samples []uint32
	preSkip uint32 // OpusHead's pre-skip: encoder delay at the start, in samples
}

// loadAudioClip reads the Opus packets of an Ogg Opus file (RFC 7845),
// skipping the OpusHead and OpusTags header packets.
func loadAudioClip(path string) (*audioClip, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read audio clip: %w", err)
	}
	c, err := parseOggOpus(data)
	if err != nil {
		return nil, fmt.Errorf("read audio clip %s: %w", path, err)
	}
	return c, nil
}

func parseOggOpus(data []byte) (*audioClip, error) {
	packets, err := oggPackets(data)
	if err != nil {
		return nil, err
	}
	if len(packets) < 3 || !bytes.HasPrefix(packets[0], []byte("OpusHead")) || !bytes.HasPrefix(packets[1], []byte("OpusTags")) {
		return nil, errors.New("not an Ogg Opus stream with audio (want OpusHead, OpusTags, packets)")
	}
	c := &audioClip{}
	if len(packets[0]) >= 12 { // RFC 7845 section 5.1: pre-skip at bytes 10-11
		c.preSkip = uint32(binary.LittleEndian.Uint16(packets[0][10:]))
	}
	for i, p := range packets[2:] {
		if len(p) == 0 { // RFC 7845 section 3: skip, it carries no audio
			continue
		}
		n, err := opusSamples(p)
		if err != nil {
			return nil, fmt.Errorf("opus packet %d: %w", i, err)
		}
		c.packets = append(c.packets, p)
		c.samples = append(c.samples, n)
	}
	return c, nil
}
