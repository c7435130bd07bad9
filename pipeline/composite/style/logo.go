package style

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// MaxLogoBytes bounds the size of a logo file.
const MaxLogoBytes = 1 << 20

// MaxLogoSide bounds a logo's width and height in pixels.
const MaxLogoSide = 4096

// pngSignature starts every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// DecodeLogo decodes a logo file: a PNG (checked by its signature) of at
// most MaxLogoBytes and at most 4096×4096 pixels. The dimensions are
// checked from the header before any pixel is decoded. Errors start with
// "logo:" and say what is wrong, fit to show to whoever uploaded it.
func DecodeLogo(data []byte) (image.Image, error) {
	if len(data) > MaxLogoBytes {
		return nil, fmt.Errorf("logo: %s, over the %d MB limit", megabytes(len(data)), MaxLogoBytes>>20)
	}
	if !bytes.HasPrefix(data, pngSignature) {
		return nil, errors.New("logo: not a PNG")
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("logo: broken PNG header: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxLogoSide || cfg.Height > MaxLogoSide {
		return nil, fmt.Errorf("logo: %d×%d pixels, want 1 to %d on each side", cfg.Width, cfg.Height, MaxLogoSide)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("logo: broken PNG: %w", err)
	}
	return img, nil
}

// megabytes formats a size over MaxLogoBytes in MB to one decimal, or in
// bytes where one decimal would not tell it from the limit.
func megabytes(n int) string {
	mb := float64(n) / (1 << 20)
	if mb < float64(MaxLogoBytes)/(1<<20)+0.05 {
		return fmt.Sprintf("%d bytes", n)
	}
	return fmt.Sprintf("%.1f MB", mb)
}
