package composite

import (
	"cmp"
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/roomcast/roomcast/pipeline/composite/overlay"
	"github.com/roomcast/roomcast/pipeline/composite/style"
)

// Branding is a job's look beyond its background colour: a picture
// behind the tiles, a logo in a corner, a title bar and the style of the
// name labels. Each canvas renders it once for its own size (sizes in
// pixels are the main canvas's; a rendition scales them by the ratio of
// the canvases' shorter sides) and then only blends it back where tiles
// were redrawn. A logo or a title turns passthrough off: a participant's
// H.264 sent untouched would not carry them.
type Branding struct {
	// Background covers every canvas in place of the background colour:
	// scaled to cover it, centred, what overflows cropped. Where it is
	// transparent the colour shows.
	Background image.Image
	Logo       *Logo
	Title      *Title
	// Label is the style of the participants' name labels
	// (LayoutConfig.Labels).
	Label TextStyle
}

// TextStyle is how the name labels or the title are set, in the Go font.
type TextStyle struct {
	// FontSize in pixels; 0 picks one by the tile's (labels) or the
	// canvas's (title) height.
	FontSize float64
	// Color and Background are "#RRGGBB" or "#RRGGBBAA"; "" means white
	// text on translucent black, and a transparent background draws none.
	Color, Background string
}

// Logo is a picture in a corner of every canvas.
type Logo struct {
	Image image.Image // with alpha, as PNG logos have
	// Position is a corner: LogoTopLeft, LogoTopRight (the default when
	// ""), LogoBottomLeft or LogoBottomRight. A title bar on the same
	// side pushes the logo past it.
	Position string
	// Scale is the logo's width as a share of the canvas width,
	// MinLogoScale to MaxLogoScale; 0 means DefaultLogoScale. The height
	// follows the picture's aspect ratio, at most half the canvas.
	Scale float64
	// Margin is the gap in pixels between the logo and the canvas edges
	// (0 puts it flush in the corner), at most MaxLogoMargin.
	Margin int
}

// Title is a bar across the top or bottom of every canvas with one line
// of text, centred, in Go Bold.
type Title struct {
	Text     string // at most MaxTitleRunes characters
	Position string // TitleTop (the default when "") or TitleBottom
	TextStyle
}

// Logo corners and title positions (defined in style, so that checking a
// request needs no codec).
const (
	LogoTopLeft     = style.LogoTopLeft
	LogoTopRight    = style.LogoTopRight
	LogoBottomLeft  = style.LogoBottomLeft
	LogoBottomRight = style.LogoBottomRight
	TitleTop        = style.TitleTop
	TitleBottom     = style.TitleBottom
)

// LogoPositions lists the logo corners.
var LogoPositions = style.LogoPositions

// Bounds of the branding (style's).
const (
	MinLogoScale, MaxLogoScale = style.MinLogoScale, style.MaxLogoScale
	DefaultLogoScale           = style.DefaultLogoScale
	MaxLogoMargin              = style.MaxLogoMargin
	MaxTitleRunes              = style.MaxTitleRunes
	MinFontSize, MaxFontSize   = style.MinFontSize, style.MaxFontSize
	// MaxBrandingSide bounds the pictures' sides in pixels, as
	// style.DecodeLogo does.
	MaxBrandingSide = style.MaxLogoSide
)

// Default colours: white text on translucent black.
const (
	defaultTextColor       = "#ffffff"
	defaultLabelBackground = "#0000008c"
	defaultTitleBackground = "#000000b3"
)

// overlays reports whether b draws over the tiles (a logo or a title),
// which passthrough cannot show.
func (b *Branding) overlays() bool {
	return b != nil && (b.Logo != nil || b.Title != nil)
}

// validate reports the first invalid field of b.
func (b *Branding) validate() error {
	if b == nil {
		return nil
	}
	if b.Background != nil {
		if err := checkPicture(b.Background); err != nil {
			return fmt.Errorf("branding background: %w", err)
		}
	}
	if err := b.Label.validate(); err != nil {
		return fmt.Errorf("branding label: %w", err)
	}
	if l := b.Logo; l != nil {
		switch {
		case !slices.Contains(LogoPositions, l.Position) && l.Position != "":
			return fmt.Errorf("branding logo position %q: want %s", l.Position, strings.Join(LogoPositions, ", "))
		case l.Scale != 0 && !(l.Scale >= MinLogoScale && l.Scale <= MaxLogoScale):
			return fmt.Errorf("branding logo scale %v: want %v to %v of the canvas width", l.Scale, MinLogoScale, MaxLogoScale)
		case l.Margin < 0 || l.Margin > MaxLogoMargin:
			return fmt.Errorf("branding logo margin %d: want 0 to %d pixels", l.Margin, MaxLogoMargin)
		}
		if err := checkPicture(l.Image); err != nil {
			return fmt.Errorf("branding logo: %w", err)
		}
	}
	if t := b.Title; t != nil {
		switch n := utf8.RuneCountInString(t.Text); {
		case strings.TrimSpace(t.Text) == "":
			return errors.New("branding title: no text")
		case n > MaxTitleRunes:
			return fmt.Errorf("branding title: %d characters, want at most %d", n, MaxTitleRunes)
		case t.Position != "" && t.Position != TitleTop && t.Position != TitleBottom:
			return fmt.Errorf("branding title position %q: want %s or %s", t.Position, TitleTop, TitleBottom)
		}
		if err := t.TextStyle.validate(); err != nil {
			return fmt.Errorf("branding title: %w", err)
		}
	}
	return nil
}

// checkPicture reports a missing, empty or oversized picture.
func checkPicture(img image.Image) error {
	if img == nil {
		return errors.New("no picture")
	}
	if b := img.Bounds(); b.Empty() || b.Dx() > MaxBrandingSide || b.Dy() > MaxBrandingSide {
		return fmt.Errorf("%dx%d pixels: want 1 to %d on each side", b.Dx(), b.Dy(), MaxBrandingSide)
	}
	return nil
}

func (s TextStyle) validate() error {
	if s.FontSize != 0 && !(s.FontSize >= MinFontSize && s.FontSize <= MaxFontSize) {
		return fmt.Errorf("font size %v: want %d to %d pixels", s.FontSize, MinFontSize, MaxFontSize)
	}
	for _, c := range []string{s.Color, s.Background} {
		if _, err := overlay.ParseColor(c); c != "" && err != nil {
			return err
		}
	}
	return nil
}

// colors returns the style's colours, defaults for those unset.
func (s TextStyle) colors(background string) (fg, bg overlay.Color) {
	fg, _ = overlay.ParseColor(cmp.Or(s.Color, defaultTextColor)) // checked by validate
	bg, _ = overlay.ParseColor(cmp.Or(s.Background, background))
	return fg, bg
}

// evenRound rounds f to the nearest even integer, at least 2.
func evenRound(f float64) int { return max(2, 2*int(math.Round(f/2))) }
