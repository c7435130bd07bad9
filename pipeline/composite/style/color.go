package style

import (
	"fmt"
	"strconv"
)

// Color is a straight (not premultiplied) sRGB colour with alpha; A 255 is
// opaque, 0 transparent.
type Color struct{ R, G, B, A uint8 }

// ParseColor parses "#RRGGBB", "#RRGGBBAA" or "#RGB" (hex digits of either
// case; the forms without alpha are opaque).
func ParseColor(s string) (Color, error) {
	if len(s) == 0 || s[0] != '#' {
		return Color{}, fmt.Errorf("colour %q: want #RGB, #RRGGBB or #RRGGBBAA", s)
	}
	hex := s[1:]
	if len(hex) == 3 {
		hex = string([]byte{hex[0], hex[0], hex[1], hex[1], hex[2], hex[2]})
	}
	if len(hex) == 6 {
		hex += "ff"
	}
	if len(hex) != 8 {
		return Color{}, fmt.Errorf("colour %q: want #RGB, #RRGGBB or #RRGGBBAA", s)
	}
	n, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return Color{}, fmt.Errorf("colour %q: not hexadecimal", s)
	}
	return Color{R: uint8(n >> 24), G: uint8(n >> 16), B: uint8(n >> 8), A: uint8(n)}, nil
}

// String returns the colour as "#RRGGBBAA", a form ParseColor reads back.
func (c Color) String() string {
	return fmt.Sprintf("#%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}
