package overlay

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// inkBoundsOf returns the box of the pixels of im with alpha over 0.
func inkBoundsOf(im *Image) (x0, y0, x1, y1 int) {
	x0, y0 = im.W, im.H
	for y := range im.H {
		for x := range im.W {
			if im.a[y*im.W+x] != 0 {
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x+1), max(y1, y+1)
			}
		}
	}
	return x0, y0, x1, y1
}

func TestTextInk(t *testing.T) {
	white := Color{255, 255, 255, 255}
	tests := []struct {
		name string
		s    string
		st   TextStyle
	}{
		{"regular", "Hello, world", TextStyle{Size: 24, Color: white}},
		{"bold padded", "Ada Lovelace", TextStyle{Size: 32, Color: white, Bold: true, Padding: 6}},
		{"descenders", "jumpy Qg", TextStyle{Size: 20, Color: white, Padding: 3}},
		{"default size", "x", TextStyle{Color: white}},
		{"unicode", "Zoë Ångström — 東京", TextStyle{Size: 18, Color: white, Padding: 2}},
		{"line breaks", "two\nlines", TextStyle{Size: 12, Color: white}},
	}
	for _, tc := range tests {
		im := Text(tc.s, tc.st, 0)
		if im == nil {
			t.Fatalf("%s: nil", tc.name)
		}
		if im.W%2 != 0 || im.H%2 != 0 {
			t.Errorf("%s: %d×%d, want even sides", tc.name, im.W, im.H)
		}
		x0, y0, x1, y1 := inkBoundsOf(im)
		if x1 <= x0 || y1 <= y0 {
			t.Fatalf("%s: no ink", tc.name)
		}
		p := tc.st.Padding
		if x0 < p || y0 < p || x1 > im.W-p || y1 > im.H-p {
			t.Errorf("%s: ink (%d,%d)-(%d,%d) reaches into the %d px padding of %d×%d", tc.name, x0, y0, x1, y1, p, im.W, im.H)
		}
		if opaque := strings.Count(string(im.a), "\xff"); opaque == 0 {
			t.Errorf("%s: no opaque pixel", tc.name)
		}
	}
}

func TestTextBackground(t *testing.T) {
	bg := Color{0, 0, 0, 160}
	im := Text("Live", TextStyle{Size: 20, Color: Color{255, 255, 255, 255}, Background: bg, Padding: 4}, 0)
	for i, a := range im.a {
		if a < bg.A {
			t.Fatalf("pixel %d alpha %d, under the background's %d", i, a, bg.A)
		}
	}
	by, _, _ := bg.YUV()
	if im.y[0] != by || im.a[0] != bg.A {
		t.Errorf("corner y %d a %d, want the background's %d %d", im.y[0], im.a[0], by, bg.A)
	}
}

func TestTextTruncates(t *testing.T) {
	st := TextStyle{Size: 20, Color: Color{255, 255, 255, 255}, Padding: 5}
	long := "Grace Brewster Murray Hopper, Rear Admiral"
	full := Text(long, st, 0)
	for _, maxWidth := range []int{full.W, full.W - 1, 200, 100, 60, 40, 30} {
		im := Text(long, st, maxWidth)
		if im == nil {
			t.Fatalf("maxWidth %d: nil", maxWidth)
		}
		if im.W > maxWidth {
			t.Errorf("maxWidth %d: %d wide", maxWidth, im.W)
		}
		if maxWidth < full.W && im.W < maxWidth/3 {
			t.Errorf("maxWidth %d: only %d wide", maxWidth, im.W)
		}
	}
	if im := Text(long, st, 12); im != nil {
		t.Errorf("maxWidth 12 with 10 px padding: %d wide, want nil", im.W)
	}
}

func TestTruncateEndsWithEllipsis(t *testing.T) {
	face := newFace(16, false)
	defer face.Close()
	s := "Ada Lovelace and Charles Babbage"
	for _, width := range []int{300, 150, 80, 40, 20} {
		got := truncate(face, s, width)
		if lineBox(face, got).Dx() > width {
			t.Errorf("width %d: %q is %d wide", width, got, lineBox(face, got).Dx())
		}
		if got != s && (!strings.HasSuffix(got, ellipsis) || strings.HasSuffix(got, " "+ellipsis)) {
			t.Errorf("width %d: %q", width, got)
		}
	}
	if got := truncate(face, s, 2); got != "" {
		t.Errorf("width 2: %q, want nothing", got)
	}
}

func TestTextEmpty(t *testing.T) {
	for _, s := range []string{"", "   ", "\n\t"} {
		if im := Text(s, TextStyle{Size: 20}, 100); im != nil {
			t.Errorf("Text(%q) = %d×%d, want nil", s, im.W, im.H)
		}
	}
}

func TestTextHuge(t *testing.T) {
	s := strings.Repeat("W", 5000)
	im := Text(s, TextStyle{Size: 1e9, Padding: 1 << 40}, 0)
	if im != nil {
		t.Errorf("padding over the largest image: %d×%d, want nil", im.W, im.H)
	}
	im = Text(s, TextStyle{Size: 40}, 0)
	if im == nil || im.W > maxImageSide {
		t.Fatalf("a long line is not cut to %d px", maxImageSide)
	}
	if n := utf8.RuneCountInString(oneLine(s)); n != maxTextRunes {
		t.Errorf("oneLine keeps %d runes, want %d", n, maxTextRunes)
	}
}
