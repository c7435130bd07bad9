package codec

import (
	"bytes"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// TestDecoderReuse: a frame given back is filled with a later picture
// instead of a new allocation, and its content and PTS are that
// picture's.
func TestDecoderReuse(t *testing.T) {
	enc, err := NewVideoEncoder(VideoEncoderConfig{TrackID: "v", Width: 64, Height: 48, FPS: 30, BitrateKbps: 500})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var units []*media.Unit
	for i := range 6 {
		us, err := enc.Encode(syntheticFrame(64, 48, i, time.Duration(i)*time.Second/30))
		if err != nil {
			t.Fatal(err)
		}
		units = append(units, us...)
	}
	ref, err := decodeH264(units)
	if err != nil || len(ref) < 4 {
		t.Fatalf("reference decode: %d frames, %v", len(ref), err)
	}
	dec, err := NewVideoDecoder(media.CodecH264)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var prev *VideoFrame
	n := 0
	for _, u := range units {
		fs, err := dec.Decode(u)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if prev != nil && f != prev {
				t.Errorf("frame %d: a new allocation, want the frame given back reused", n)
			}
			if f.PTS != ref[n].PTS || !bytes.Equal(f.Y, ref[n].Y) || !bytes.Equal(f.U, ref[n].U) {
				t.Errorf("frame %d: reused frame holds PTS %v, want picture and PTS %v", n, f.PTS, ref[n].PTS)
			}
			dec.Reuse(f)
			prev = f
			n++
		}
	}
	if n != len(ref) {
		t.Errorf("decoded %d frames, want %d", n, len(ref))
	}
}
