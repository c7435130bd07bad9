package overlay

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
)

// TextStyle is how Text sets a label.
type TextStyle struct {
	Size float64 // font size in pixels (em height); 0 or less means 16
	// Color is the text's; Background fills the whole label, text and
	// padding, and none is drawn when its A is 0.
	Color, Background Color
	Bold              bool // Go Bold rather than Go Regular
	Padding           int  // pixels on every side of the line, 0 or more
}

// defaultTextSize is the size of a TextStyle that names none.
const defaultTextSize = 16

// maxTextRunes bounds what Text sets: no canvas shows more of one line.
const maxTextRunes = 512

// ellipsis ends a truncated line.
const ellipsis = "…"

// Text sets s on one line in the Go font and returns the label: the line's
// box (ascent to descent, and any ink that overhangs it) plus the padding,
// its sides rounded up to even.
// Control characters such as line breaks become spaces. The line is cut
// and ended with "…" so that the whole label fits in maxWidth pixels (in
// 8192 when maxWidth is 0 or less). It returns nil when s is empty or
// blank, or when not even "…" fits, across or down.
func Text(s string, st TextStyle, maxWidth int) *Image {
	s = oneLine(s)
	if s == "" {
		return nil
	}
	face := newFace(st.size(), st.Bold)
	if face == nil {
		return nil
	}
	defer face.Close()
	if maxWidth <= 0 || maxWidth > maxImageSide {
		maxWidth = maxImageSide
	}
	pad := max(0, min(st.Padding, maxImageSide))
	if s = truncate(face, s, maxWidth&^1-2*pad); s == "" { // even, as label makes it
		return nil
	}
	return label(rasterize(face, s, lineBox(face, s)), st.Color, st.Background, pad)
}

// size returns the font size in pixels, the default when none is set.
func (st TextStyle) size() float64 {
	if !(st.Size > 0) { // NaN too
		return defaultTextSize
	}
	return st.Size
}

// oneLine turns control characters into spaces, trims the spaces at
// either end and keeps at most maxTextRunes runes.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxTextRunes {
		s = string([]rune(s)[:maxTextRunes])
	}
	return s
}

// truncate returns s if its box fits in width pixels, else the longest
// prefix (trailing spaces dropped) that fits with "…" after it, or ""
// when nothing does.
func truncate(face font.Face, s string, width int) string {
	fits := func(t string) bool { return lineBox(face, t).Dx() <= width }
	if fits(s) {
		return s
	}
	runes := []rune(s)
	// Binary search for the longest fitting prefix: lo fits, hi does not.
	lo, hi := -1, len(runes)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if fits(strings.TrimRightFunc(string(runes[:mid]), unicode.IsSpace) + ellipsis) {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo < 0 {
		return ""
	}
	return strings.TrimRightFunc(string(runes[:lo]), unicode.IsSpace) + ellipsis
}
