package overlay

import "testing"

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
