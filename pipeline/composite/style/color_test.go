package style

import (
	"strings"
	"testing"
)

func TestParseColor(t *testing.T) {
	good := []struct {
		in   string
		want Color
	}{
		{"#000000", Color{0, 0, 0, 255}},
		{"#FFFFFF", Color{255, 255, 255, 255}},
		{"#ff8000", Color{255, 128, 0, 255}},
		{"#Ff800080", Color{255, 128, 0, 128}},
		{"#12345678", Color{0x12, 0x34, 0x56, 0x78}},
		{"#f80", Color{255, 136, 0, 255}},
		{"#ABC", Color{0xAA, 0xBB, 0xCC, 255}},
		{"#00000000", Color{}},
	}
	for _, tc := range good {
		got, err := ParseColor(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseColor(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseColor(got.String()); err != nil || back != got {
			t.Errorf("ParseColor(%q.String() = %q) = %v, %v", tc.in, got.String(), back, err)
		}
	}
	bad := []string{
		"", "#", "ff8000", "#ff80", "#ff800", "#ff80000", "#ff800080f", "#gg0000",
		"#+f8000", " #fff", "#fff ", "rgb(1,2,3)", "red", "#ÿÿÿ", "##ff8000", "#0x1234",
	}
	for _, in := range bad {
		if c, err := ParseColor(in); err == nil {
			t.Errorf("ParseColor(%q) = %v, want an error", in, c)
		} else if !strings.Contains(err.Error(), "colour") {
			t.Errorf("ParseColor(%q) error %q does not say it is about a colour", in, err)
		}
	}
}
