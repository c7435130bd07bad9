package egress

import (
	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/pipeline/composite"
)

// DefaultLogoMargin is the logo's gap to the canvas edges when the
// request gives none.
const DefaultLogoMargin = 24

// brandingCompositor returns the compositor's branding of b, its PNGs
// decoded; nil for none. b has passed validation.
func brandingCompositor(b *BrandingSpec) (*composite.Branding, error) {
	if b == nil {
		return nil, nil
	}
	out := &composite.Branding{}
	if b.Label != nil {
		out.Label = textStyle(*b.Label)
	}
	if l := b.Logo; l != nil {
		img, err := types.DecodePNG("branding.logo.png_base64", l.PNGBase64)
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
		img, err := types.DecodePNG("branding.background_image.png_base64", bg.PNGBase64)
		if err != nil {
			return nil, err
		}
		out.Background = img
	}
	if t := b.Title; t != nil {
		out.Title = &composite.Title{Text: t.Text, Position: t.Position, TextStyle: textStyle(t.TextStyleSpec)}
	}
	return out, nil
}

// textStyle is the compositor's text style of s.
func textStyle(s TextStyleSpec) composite.TextStyle {
	return composite.TextStyle{FontSize: s.FontSize, Color: s.Color, Background: s.Background}
}
