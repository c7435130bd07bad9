package overlay

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

// YUV returns the colour in BT.601 limited range (Y 16–235, U and V
// 16–240), ignoring alpha.
func (c Color) YUV() (y, u, v uint8) {
	return premultipliedYUV(int(c.R), int(c.G), int(c.B), 255)
}

// BT.601 limited-range coefficients in 1/65536: rows Y, U (Cb), V (Cr).
const (
	kyr, kyg, kyb = 16829, 33039, 6416
	kur, kug, kub = -9714, -19070, 28784
	kvr, kvg, kvb = 28784, -24103, -4681
)

// premultipliedYUV converts r, g, b premultiplied by alpha a (each a sum
// over one or more pixels: r, g, b ≤ a when a counts 255 a pixel) to the
// straight YUV of their alpha-weighted mean. a must be positive.
func premultipliedYUV(r, g, b, a int) (y, u, v uint8) {
	den := a << 16
	return toLevel(kyr*r+kyg*g+kyb*b, 16, den),
		toLevel(kur*r+kug*g+kub*b, 128, den),
		toLevel(kvr*r+kvg*g+kvb*b, 128, den)
}

// toLevel returns offset + 255·num/den rounded to the nearest integer.
func toLevel(num, offset, den int) uint8 {
	return uint8((255*num + offset*den + den/2) / den)
}
