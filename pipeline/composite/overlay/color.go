package overlay

import "github.com/roomcast/roomcast/pipeline/composite/style"

// Color is a straight (not premultiplied) sRGB colour with alpha; A 255 is
// opaque, 0 transparent. It is style.Color with the conversions drawing
// needs.
type Color style.Color

// ParseColor parses "#RRGGBB", "#RRGGBBAA" or "#RGB" (style.ParseColor).
func ParseColor(s string) (Color, error) {
	c, err := style.ParseColor(s)
	return Color(c), err
}

// String returns the colour as "#RRGGBBAA", a form ParseColor reads back.
func (c Color) String() string { return style.Color(c).String() }

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
