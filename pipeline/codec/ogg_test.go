package codec

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// opusUnits encodes a sine of the given duration and channels to Opus
// (20 ms packets) with ffmpeg and returns its packets as units, and the
// pre-skip the encoder declared (RFC 7845 5.1).
func opusUnits(t testing.TB, duration time.Duration, channels int) (units []*media.Unit, preSkip int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.ogg")
	// pan copies the mono sine to both channels at its level (-ac 2 would
	// lower it 3 dB).
	layout := map[int]string{1: "mono|c0=c0", 2: "stereo|c0=c0|c1=c0"}[channels]
	ffmpeg(t, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", testClip{duration: duration}.seconds(),
		"-af", "pan="+layout, "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-f", "ogg", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	packets := oggPackets(t, b)
	if len(packets) < 3 || string(packets[0][:8]) != "OpusHead" {
		t.Fatalf("%s: no OpusHead", path)
	}
	preSkip = int(binary.LittleEndian.Uint16(packets[0][10:]))
	track := &media.Track{Kind: media.KindAudio, Codec: media.CodecOpus, ClockRate: 48000, Channels: channels}
	for i, p := range packets[2:] { // after OpusHead and OpusTags
		pts := time.Duration(i) * 20 * time.Millisecond
		units = append(units, &media.Unit{Track: track, PTS: pts, DTS: pts, Key: true, Data: p})
	}
	return units, preSkip
}

// oggPackets returns the packets of a single-stream Ogg file (RFC 3533):
// pages of a 27-byte header, a segment table, then the segments; a
// segment shorter than 255 bytes ends a packet.
func oggPackets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var packets [][]byte
	var cur []byte
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			t.Fatalf("bad Ogg page header")
		}
		nseg := int(b[26])
		table := b[27 : 27+nseg]
		data := b[27+nseg:]
		for _, l := range table {
			cur = append(cur, data[:l]...)
			data = data[l:]
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		b = data
	}
	return packets
}

// adts prefixes an AAC frame with an ADTS header (ISO/IEC 13818-7 6.2)
// built from the AudioSpecificConfig asc.
func adts(asc, frame []byte) []byte {
	objectType := asc[0] >> 3
	freqIndex := (asc[0]&7)<<1 | asc[1]>>7
	chanConfig := (asc[1] >> 3) & 0xf
	n := 7 + len(frame)
	h := []byte{
		0xff, 0xf1, // sync word, MPEG-4, layer 0, no CRC
		(objectType-1)<<6 | freqIndex<<2 | chanConfig>>2,
		(chanConfig&3)<<6 | byte(n>>11),
		byte(n >> 3),
		byte(n&7)<<5 | 0x1f,
		0xfc,
	}
	return append(h, frame...)
}
