package egress

import (
	"encoding/base64"
	"image"
	"strings"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/composite/overlay"
)

// DefaultLogoMargin is the logo's gap to the canvas edges when the
// request gives none.
const DefaultLogoMargin = 24

// Overlays reports whether the branding draws over the picture (a logo
// or a title): such a job composes and encodes its video even where one
// participant's H.264 could pass through.
func (b *BrandingSpec) Overlays() bool {
	return b != nil && (b.Logo != nil || b.Title != nil)
}

// compositor returns the compositor's branding of b, its PNGs decoded;
// nil for none. b has passed validate.
func (b *BrandingSpec) compositor() (*composite.Branding, error) {
	if b == nil {
		return nil, nil
	}
	out := &composite.Branding{}
	if b.Label != nil {
		out.Label = b.Label.compositor()
	}
	if l := b.Logo; l != nil {
		img, err := decodePNG("branding.logo.png_base64", l.PNGBase64)
		if err != nil {
			return nil, err
		}
		margin := DefaultLogoMargin
		if l.Margin != nil {
			margin = *l.Margin
		}
		out.Logo = &composite.Logo{Image: img, Position: l.Position, Scale: l.Scale, Margin: margin}
	}
	if bg := b.BackgroundImage; bg != nil {
		img, err := decodePNG("branding.background_image.png_base64", bg.PNGBase64)
		if err != nil {
			return nil, err
		}
		out.Background = img
	}
	if t := b.Title; t != nil {
		out.Title = &composite.Title{Text: t.Text, Position: t.Position, TextStyle: t.TextStyleSpec.compositor()}
	}
	return out, nil
}

func (s *TextStyleSpec) compositor() composite.TextStyle {
	return composite.TextStyle{FontSize: s.FontSize, Color: s.Color, Background: s.Background}
}

// pngDataURL may start a picture's base64.
const pngDataURL = "data:image/png;base64,"

// decodePNG decodes a base64 PNG of at most 1 MB (overlay.DecodeLogo's
// checks), or returns a *FieldError naming field.
func decodePNG(field, b64 string) (image.Image, error) {
	b64 = strings.TrimPrefix(strings.TrimSpace(b64), pngDataURL)
	if b64 == "" {
		return nil, &FieldError{field, "required: the PNG file, base64"}
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, &FieldError{field, "not base64"}
	}
	img, err := overlay.DecodeLogo(data)
	if err != nil {
		return nil, &FieldError{field, strings.TrimPrefix(err.Error(), "logo: ")}
	}
	return img, nil
}
