package overlay

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

func TestColorYUV(t *testing.T) {
	tests := []struct {
		name    string
		c       Color
		y, u, v int // BT.601 limited range, rounded
	}{
		{"black", Color{0, 0, 0, 255}, 16, 128, 128},
		{"white", Color{255, 255, 255, 255}, 235, 128, 128},
		{"red", Color{255, 0, 0, 255}, 81, 90, 240},
		{"green", Color{0, 255, 0, 255}, 145, 54, 34},
		{"blue", Color{0, 0, 255, 255}, 41, 240, 110},
		{"grey", Color{128, 128, 128, 255}, 126, 128, 128},
		{"transparent red", Color{255, 0, 0, 0}, 81, 90, 240},
	}
	for _, tc := range tests {
		y, u, v := tc.c.YUV()
		if !near(int(y), tc.y, 1) || !near(int(u), tc.u, 1) || !near(int(v), tc.v, 1) {
			t.Errorf("%s: YUV = %d,%d,%d; want %d,%d,%d ±1", tc.name, y, u, v, tc.y, tc.u, tc.v)
		}
	}
}
