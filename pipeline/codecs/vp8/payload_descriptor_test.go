package vp8

import (
	"errors"
	"testing"

	"github.com/roomcast/roomcast/test/fuzzcorpus"
)

// descriptorCases feed TestParsePayloadDescriptor and the seeds of
// FuzzParsePayloadDescriptor; a zero Len means an error.
var descriptorCases = []struct {
	name string
	in   []byte
	want PayloadDescriptor
}{
	{"S", []byte{0x10}, PayloadDescriptor{Start: true, PictureID: -1, Len: 1}},
	{"PID 3", []byte{0x03}, PayloadDescriptor{PID: 3, PictureID: -1, Len: 1}},
	{"X I 7-bit L T", []byte{0x90, 0xe0, 0x7f, 0x00, 0x00}, PayloadDescriptor{Start: true, PictureID: 0x7f, Len: 5}},
	{"X I 15-bit L T", []byte{0x82, 0xe0, 0xff, 0xff, 0x00, 0x00}, PayloadDescriptor{PID: 2, PictureID: 0x7fff, Len: 6}},
	{"X nothing", []byte{0x80, 0x00}, PayloadDescriptor{PictureID: -1, Len: 2}},
	{"X K", []byte{0x80, 0x10, 0x00}, PayloadDescriptor{PictureID: -1, Len: 3}},
	{"X I 15-bit L T with payload", []byte{0x90, 0xe0, 0x81, 0x23, 0x07, 0x40, 0x10}, PayloadDescriptor{Start: true, PictureID: 0x123, Len: 6}},
	{"empty", nil, PayloadDescriptor{}},
	{"truncated X", []byte{0x90}, PayloadDescriptor{}},
	{"truncated I", []byte{0x90, 0x80}, PayloadDescriptor{}},
	{"truncated 15-bit I", []byte{0x90, 0xe0, 0x81}, PayloadDescriptor{}},
	{"truncated L", []byte{0x90, 0x40}, PayloadDescriptor{}},
	{"truncated T", []byte{0x90, 0x20}, PayloadDescriptor{}},
}

func TestParsePayloadDescriptor(t *testing.T) {
	for _, tc := range descriptorCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePayloadDescriptor(tc.in)
			if tc.want.Len == 0 {
				if !errors.Is(err, ErrBadDescriptor) {
					t.Fatalf("ParsePayloadDescriptor = %+v, %v; want ErrBadDescriptor", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePayloadDescriptor = %+v, %v; want %+v", got, err, tc.want)
			}
			if got.FirstPacket() != (got.Start && got.PID == 0) {
				t.Errorf("FirstPacket = %v", got.FirstPacket())
			}
		})
	}
}

// FuzzParsePayloadDescriptor checks that parsing never panics and that an
// accepted descriptor lies within the payload.
func FuzzParsePayloadDescriptor(f *testing.F) {
	seeds := map[string][]byte{}
	for _, tc := range descriptorCases {
		seeds[tc.name] = tc.in
	}
	fuzzcorpus.AddBytes(f, "FuzzParsePayloadDescriptor", seeds)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParsePayloadDescriptor(b)
		if err != nil {
			return
		}
		if d.Len < 1 || d.Len > len(b) || d.Len > 6 || d.PictureID > 0x7fff {
			t.Fatalf("% x: %+v", b, d)
		}
	})
}
