package style

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

// encodePNG returns img as PNG bytes.
func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testPicture is a 5×3 picture of opaque, translucent and transparent
// pixels.
func testPicture() *image.NRGBA {
	p := image.NewNRGBA(image.Rect(0, 0, 5, 3))
	cols := []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 128}, {255, 255, 255, 0}, {40, 80, 120, 255}}
	for y := range 3 {
		for x := range 5 {
			p.SetNRGBA(x, y, cols[(x+y)%len(cols)])
		}
	}
	return p
}

func TestDecodeLogoRoundTrip(t *testing.T) {
	src := testPicture()
	img, err := DecodeLogo(encodePNG(t, src))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds() != src.Bounds() {
		t.Fatalf("bounds %v, want %v", img.Bounds(), src.Bounds())
	}
	for y := range src.Rect.Dy() {
		for x := range src.Rect.Dx() {
			want := src.NRGBAAt(x, y)
			got := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			if want.A == 0 {
				want = color.NRGBA{}
				got.R, got.G, got.B = 0, 0, 0
			}
			if got != want {
				t.Errorf("pixel (%d,%d) = %v, want %v", x, y, got, want)
			}
		}
	}
}

func TestDecodeLogoErrors(t *testing.T) {
	small := image.NewRGBA(image.Rect(0, 0, 4, 4))
	var jpg, gf bytes.Buffer
	if err := jpeg.Encode(&jpg, small, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gf, small, nil); err != nil {
		t.Fatal(err)
	}
	good := encodePNG(t, small)
	big := append(append([]byte{}, good...), make([]byte, 1363149-len(good))...) // 1.3 MB
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"jpeg", jpg.Bytes(), "logo: not a PNG"},
		{"gif", gf.Bytes(), "logo: not a PNG"},
		{"empty", nil, "logo: not a PNG"},
		{"text", []byte("<svg/>"), "logo: not a PNG"},
		{"over 1 MB", big, "logo: 1.3 MB, over the 1 MB limit"},
		{"just over 1 MB", make([]byte, MaxLogoBytes+1), "logo: 1048577 bytes, over the 1 MB limit"},
		{"signature only", pngSignature, "logo: broken PNG header"},
		{"truncated", good[:len(good)-20], "logo: broken PNG"},
		{"too wide", encodePNG(t, image.NewGray(image.Rect(0, 0, 5000, 1))), "logo: 5000×1 pixels"},
		{"too tall", encodePNG(t, image.NewGray(image.Rect(0, 0, 1, 4097))), "logo: 1×4097 pixels"},
		{"header only, too wide", headerOnlyPNG(4097, 1), "logo: 4097×1 pixels"},
		{"header only, empty", headerOnlyPNG(0, 0), "logo: broken PNG header"},
		{"header only, at the limit", headerOnlyPNG(4096, 4096), "logo: broken PNG:"},
	}
	for _, tc := range tests {
		img, err := DecodeLogo(tc.data)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: DecodeLogo = %v, %v; want error %q", tc.name, img, err, tc.want)
		}
	}
}

func TestDecodeLogoAtLimits(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, MaxLogoSide, 1))
	if _, err := DecodeLogo(encodePNG(t, img)); err != nil {
		t.Errorf("a %d×1 logo: %v", MaxLogoSide, err)
	}
}

// headerOnlyPNG returns a PNG of a w×h RGBA picture with no pixel data.
func headerOnlyPNG(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	return bytes.Join([][]byte{pngSignature, pngChunk("IHDR", ihdr), pngChunk("IEND", nil)}, nil)
}

// pngChunk returns one PNG chunk with its length and checksum.
func pngChunk(kind string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(append(out, kind...), data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}
