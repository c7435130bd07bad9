package codec

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// decodeFunc decodes one unit and reports how many frames came out.
type decodeFunc func(u *media.Unit) (int, error)

// openDecoder opens the decoder for c behind a decodeFunc.
func openDecoder(t testing.TB, c media.Codec) (decodeFunc, func()) {
	t.Helper()
	if c == media.CodecOpus {
		d, err := NewAudioDecoder(c)
		if err != nil {
			t.Fatal(err)
		}
		return func(u *media.Unit) (int, error) { fs, err := d.Decode(u); return len(fs), err }, d.Close
	}
	d, err := NewVideoDecoder(c)
	if err != nil {
		t.Fatal(err)
	}
	return func(u *media.Unit) (int, error) { fs, err := d.Decode(u); return len(fs), err }, d.Close
}

// garbage returns hostile variants of valid units: random bytes, cut,
// bit-flipped and zeroed units.
func garbage(valid []*media.Unit) [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for _, n := range []int{1, 2, 3, 7, 64, 1000, 100_000} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out = append(out, b)
	}
	for i, u := range valid[:min(10, len(valid))] {
		d := u.Data
		out = append(out, clone(d[:len(d)/2]), clone(d[:1+len(d)/10]), make([]byte, len(d)))
		flipped := clone(d)
		for j := 0; j < 1+len(d)/50; j++ {
			flipped[r.IntN(len(d))] ^= byte(1 << (i % 8))
		}
		out = append(out, flipped)
	}
	return out
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func TestDecodersSurviveGarbage(t *testing.T) {
	requireFFmpeg(t)
	clip := testClip{width: 160, height: 120, fps: 30, duration: time.Second}
	opus, _ := mediafixture.OpusUnits(t, time.Second, 2)
	for _, tc := range []struct {
		codec media.Codec
		units []*media.Unit
	}{
		{media.CodecVP8, vp8Units(t, clip)},
		{media.CodecH264, h264Units(t, clip, 0)},
		{media.CodecOpus, opus},
	} {
		t.Run(string(tc.codec), func(t *testing.T) {
			decode, closeDecoder := openDecoder(t, tc.codec)
			defer closeDecoder()
			bad := garbage(tc.units)
			refused := 0
			for i, b := range bad {
				_, err := decode(&media.Unit{PTS: time.Duration(i), Data: b})
				if err != nil && !errors.Is(err, ErrCorruptInput) {
					t.Fatalf("garbage %d (%d bytes): %v, want nil or ErrCorruptInput", i, len(b), err)
				}
				if err != nil {
					refused++
				}
			}
			for _, u := range []*media.Unit{nil, {}, {Data: []byte{}}} {
				if _, err := decode(u); !errors.Is(err, ErrInvalidInput) {
					t.Errorf("empty unit: %v, want ErrInvalidInput", err)
				}
			}
			// The decoder recovers on the valid stream (from a keyframe).
			frames := 0
			for _, u := range tc.units {
				n, err := decode(u)
				if err != nil {
					t.Fatalf("valid unit at %s after garbage: %v", u.PTS, err)
				}
				frames += n
			}
			t.Logf("%d of %d garbage units refused; then %d frames from %d valid units", refused, len(bad), frames, len(tc.units))
			if frames < len(tc.units)-2 {
				t.Errorf("%d frames from %d valid units", frames, len(tc.units))
			}
		})
	}
}

// FuzzDecoders feeds the same bytes to every decoder, as one unit and
// split in two. Seeds: testdata/fuzz/FuzzDecoders.
func FuzzDecoders(f *testing.F) {
	f.Add([]byte{0x9d, 0x01, 0x2a, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 1, 0x67, 0x42, 0xc0, 0x1e, 0, 0, 0, 1, 0x65, 0x88})
	f.Add([]byte{0xfc, 0xff, 0xfe})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range []media.Codec{media.CodecVP8, media.CodecH264, media.CodecOpus} {
			decode, closeDecoder := openDecoder(t, c)
			for _, part := range [][]byte{data, data[:len(data)/2], data[len(data)/2:]} {
				if _, err := decode(&media.Unit{Data: part}); err != nil && !errors.Is(err, ErrCorruptInput) && !errors.Is(err, ErrInvalidInput) {
					t.Errorf("%s: %v", c, err)
				}
			}
			closeDecoder()
		}
	})
}
