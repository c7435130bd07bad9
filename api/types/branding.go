package types

import (
	"encoding/base64"
	"image"
	"strings"

	"github.com/roomcast/roomcast/pipeline/composite/style"
)

// Overlays reports whether the branding draws over the picture (a logo
// or a title): such a job composes and encodes its video even where one
// participant's H.264 could pass through.
func (b *BrandingSpec) Overlays() bool {
	return b != nil && (b.Logo != nil || b.Title != nil)
}

// pngDataURL may start a picture's base64.
const pngDataURL = "data:image/png;base64,"

// DecodePNG decodes a picture of the request, a base64 PNG of at most
// 1 MB (style.DecodeLogo's checks), or returns a *FieldError naming
// field. Validate decodes every picture in full, so a broken one is
// refused with the request and not by the job.
func DecodePNG(field, b64 string) (image.Image, error) {
	b64 = strings.TrimPrefix(strings.TrimSpace(b64), pngDataURL)
	if b64 == "" {
		return nil, &FieldError{field, "required: the PNG file, base64"}
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, &FieldError{field, "not base64"}
	}
	img, err := style.DecodeLogo(data)
	if err != nil {
		return nil, &FieldError{field, strings.TrimPrefix(err.Error(), "logo: ")}
	}
	return img, nil
}
