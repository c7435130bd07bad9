package mediafixture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// OpusUnits encodes a 440 Hz sine of the given duration and channels
// (1 or 2, each at the sine's level) to Opus in 20 ms packets with
// ffmpeg, and returns its packets as units from PTS 0, with the pre-skip
// the encoder declared (RFC 7845 section 5.1).
func OpusUnits(t testing.TB, duration time.Duration, channels int) (units []*media.Unit, preSkip int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.ogg")
	// pan copies the mono sine to both channels at its level (-ac 2 would
	// lower it 3 dB).
	layout := map[int]string{1: "mono|c0=c0", 2: "stereo|c0=c0|c1=c0"}[channels]
	if err := run("ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", fmt.Sprintf("%.3f", duration.Seconds()), "-af", "pan="+layout,
		"-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", "-f", "ogg", path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	packets, err := OggPackets(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(packets) < 3 || len(packets[0]) < 12 || string(packets[0][:8]) != "OpusHead" {
		t.Fatalf("%s: no OpusHead", path)
	}
	preSkip = int(binary.LittleEndian.Uint16(packets[0][10:]))
	track := &media.Track{ID: "opus", Kind: media.KindAudio, Codec: media.CodecOpus, ClockRate: 48000, Channels: channels}
	for i, p := range packets[2:] { // after OpusHead and OpusTags
		pts := time.Duration(i) * 20 * time.Millisecond
		units = append(units, &media.Unit{Track: track, PTS: pts, DTS: pts, Key: true, Data: p})
	}
	return units, preSkip
}

// OggPackets returns the packets of a single-stream Ogg file (RFC 3533):
// pages of a 27-byte header, a segment table, then the segments; a
// segment shorter than 255 bytes ends a packet.
func OggPackets(b []byte) ([][]byte, error) {
	var packets [][]byte
	var cur []byte
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" || len(b) < 27+int(b[26]) {
			return nil, errors.New("bad Ogg page header")
		}
		nseg := int(b[26])
		table, data := b[27:27+nseg], b[27+nseg:]
		for _, l := range table {
			if int(l) > len(data) {
				return nil, errors.New("Ogg page shorter than its segment table")
			}
			cur = append(cur, data[:l]...)
			data = data[l:]
			if l < 255 {
				packets = append(packets, cur)
				cur = nil
			}
		}
		b = data
	}
	return packets, nil
}
