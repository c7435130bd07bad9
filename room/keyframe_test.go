package room

import (
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// keyframeCases feed the unit test and the fuzz seeds.
var keyframeCases = []struct {
	name  string
	codec media.Codec
	data  []byte
	key   bool
}{
	{"vp8 key", media.CodecVP8, []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
	{"vp8 inter", media.CodecVP8, []byte{0x10, 0x11, 0x02, 0x00}, false},
	{"vp8 continuation", media.CodecVP8, []byte{0x00, 0x10, 0x02}, false},
	{"vp8 partition 1", media.CodecVP8, []byte{0x11, 0x10, 0x02}, false},
	{"vp8 key X I 7-bit", media.CodecVP8, []byte{0x90, 0x80, 0x05, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
	{"vp8 key X I 15-bit L T", media.CodecVP8, []byte{0x90, 0xe0, 0x81, 0x23, 0x07, 0x40, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
	{"vp8 inter X I 15-bit L T", media.CodecVP8, []byte{0x90, 0xe0, 0x81, 0x23, 0x07, 0x40, 0x11, 0x02, 0x00, 0x9d, 0x01, 0x2a}, false},
	{"vp8 key X K", media.CodecVP8, []byte{0x90, 0x10, 0x20, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a}, true},
	{"vp8 key without start code", media.CodecVP8, []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01, 0x2b}, false},
	{"vp8 key truncated start code", media.CodecVP8, []byte{0x10, 0x10, 0x02, 0x00, 0x9d, 0x01}, false},
	{"vp8 truncated X", media.CodecVP8, []byte{0x90}, false},
	{"vp8 truncated I", media.CodecVP8, []byte{0x90, 0x80}, false},
	{"vp8 no payload", media.CodecVP8, []byte{0x10}, false},
	{"vp8 empty", media.CodecVP8, nil, false},
	{"h264 idr", media.CodecH264, []byte{0x65, 0x88, 0x80}, true},
	{"h264 sps", media.CodecH264, []byte{0x67, 0x42, 0xe0, 0x1f}, true},
	{"h264 pps", media.CodecH264, []byte{0x68, 0xce}, false},
	{"h264 non-idr", media.CodecH264, []byte{0x41, 0x9a}, false},
	{"h264 stap-a sps pps", media.CodecH264, []byte{0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, true},
	{"h264 stap-a sei pps idr", media.CodecH264, []byte{0x78, 0x00, 0x01, 0x06, 0x00, 0x01, 0x68, 0x00, 0x02, 0x65, 0x88}, true},
	{"h264 stap-a sei pps", media.CodecH264, []byte{0x78, 0x00, 0x01, 0x06, 0x00, 0x01, 0x68}, false},
	{"h264 stap-a bad size", media.CodecH264, []byte{0x78, 0x00, 0x09, 0x67}, false},
	{"h264 stap-a zero size", media.CodecH264, []byte{0x78, 0x00, 0x00, 0x67}, false},
	{"h264 fu-a idr start", media.CodecH264, []byte{0x7c, 0x85, 0x88}, true},
	{"h264 fu-a idr middle", media.CodecH264, []byte{0x7c, 0x05, 0x88}, false},
	{"h264 fu-a non-idr start", media.CodecH264, []byte{0x7c, 0x81, 0x9a}, false},
	{"h264 fu-a truncated", media.CodecH264, []byte{0x7c}, false},
	{"h264 empty", media.CodecH264, nil, false},
	{"opus", media.CodecOpus, []byte{0xfc}, true},
}

func TestKeyframeDetection(t *testing.T) {
	seeds := map[string][]any{}
	for _, c := range keyframeCases {
		seeds[c.name] = []any{string(c.codec), c.data}
		if got := keyframeDetector(c.codec)(c.data); got != c.key {
			t.Errorf("%s: keyframe = %v, want %v", c.name, got, c.key)
		}
	}
	fuzzcorpus.Write(t, "FuzzKeyframe", seeds)
}

func FuzzKeyframe(f *testing.F) {
	for _, c := range keyframeCases {
		f.Add(string(c.codec), c.data)
	}
	f.Fuzz(func(t *testing.T, codec string, data []byte) {
		keyframeDetector(media.Codec(codec))(data) // must not panic
	})
}
