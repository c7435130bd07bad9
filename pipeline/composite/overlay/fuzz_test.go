package overlay

import (
	"testing"

	"github.com/roomcast/roomcast/pipeline/composite/style"
)

// The seeds are the files under testdata/fuzz/FuzzDecodeLogo, which every
// go test run feeds it: PNGs whole, truncated and header only (at and
// past the size limits) and other formats' openings. What style.DecodeLogo
// accepts, FromImage converts.

func FuzzDecodeLogo(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := style.DecodeLogo(data)
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Dx() < 1 || b.Dy() < 1 || b.Dx() > style.MaxLogoSide || b.Dy() > style.MaxLogoSide {
			t.Fatalf("accepted a %v logo", b)
		}
		if FromImage(img) == nil {
			t.Fatalf("a %v logo does not convert", b)
		}
	})
}
