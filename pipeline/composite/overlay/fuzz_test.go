package overlay

import "testing"

// The seeds of both targets are the files under testdata/fuzz/<target>,
// which every go test run feeds them: PNGs whole, truncated and header
// only (at and past the size limits), other formats' openings, and
// colours of every form, good and bad.

func FuzzDecodeLogo(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeLogo(data)
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Dx() < 1 || b.Dy() < 1 || b.Dx() > maxLogoSide || b.Dy() > maxLogoSide {
			t.Fatalf("accepted a %v logo", b)
		}
		if FromImage(img) == nil {
			t.Fatalf("a %v logo does not convert", b)
		}
	})
}

func FuzzParseColor(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseColor(s)
		if err != nil {
			return
		}
		if back, err := ParseColor(c.String()); err != nil || back != c {
			t.Fatalf("%q → %v → %q → %v, %v", s, c, c.String(), back, err)
		}
	})
}
