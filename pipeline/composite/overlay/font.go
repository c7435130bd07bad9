package overlay

import (
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
)

// The Go fonts, parsed on first use. A parse error would mean a broken
// build of golang.org/x/image; the faces are then nil and no text shows.
var (
	regularFont = sync.OnceValue(func() *opentype.Font { return parseFont(goregular.TTF) })
	boldFont    = sync.OnceValue(func() *opentype.Font { return parseFont(gobold.TTF) })
)

// parseFont parses an embedded TrueType font, nil on error.
func parseFont(ttf []byte) *opentype.Font {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil
	}
	return f
}

// Bounds of a text size in pixels.
const (
	minTextSize = 1
	maxTextSize = 2048
)

// newFace returns a face of the Go font of size pixels (clamped to
// 1–2048), bold or regular, or nil if the font is unavailable. A face is
// not safe for concurrent use: each call gets its own, to be closed.
func newFace(size float64, bold bool) font.Face {
	f := regularFont()
	if bold {
		f = boldFont()
	}
	if f == nil {
		return nil
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{
		Size: max(minTextSize, min(maxTextSize, size)), DPI: 72, Hinting: font.HintingNone,
	})
	if err != nil {
		return nil
	}
	return face
}
