package overlay

import (
	"image"

	"github.com/roomcast/roomcast/pipeline/codec"
)

// Placeholder returns a new w×h frame for a participant without a
// picture: filled with a colour derived from the name (the same name
// always gets the same one) with the name's initials centred on it in
// white, their letters about 40 % of the tile high (smaller where a
// narrow tile needs). w and h should be even, as tiles are; it returns
// nil unless both are 1 to 8192.
func Placeholder(w, h int, name string) *codec.VideoFrame {
	if w <= 0 || h <= 0 || w > maxImageSide || h > maxImageSide {
		return nil
	}
	f := codec.NewVideoFrame(w, h)
	Fill(f, 0, 0, w, h, nameColor(name))
	if im := initialsImage(Initials(name), w, h); im != nil {
		// Even offsets keep the chroma of the letters exactly in place.
		im.Blend(f, (w-im.W)/2&^1, (h-im.H)/2&^1)
	}
	return f
}

// Shares of the tile the initials fill at most.
const (
	initialsHeight = 0.40
	initialsWidth  = 0.80
)

// white is the colour of the initials.
var white = Color{255, 255, 255, 255}

// initialsImage sets s in Go Bold, cropped to its ink, sized so that the
// ink is initialsHeight of a w×h tile high and at most initialsWidth of
// it wide; nil when nothing would show.
func initialsImage(s string, w, h int) *Image {
	const probe = 100 // size at which the ink is measured, then scaled
	ink := measureInk(s, probe)
	if ink.Empty() {
		return nil
	}
	scale := min(initialsHeight*float64(h)/float64(ink.Dy()), initialsWidth*float64(w)/float64(ink.Dx()))
	face := newFace(probe*scale, true)
	if face == nil {
		return nil
	}
	defer face.Close()
	ink = inkBounds(face, s)
	if ink.Empty() {
		return nil
	}
	return label(rasterize(face, s, ink), white, Color{}, 0)
}

// measureInk returns the ink box of s in Go Bold at size pixels.
func measureInk(s string, size float64) image.Rectangle {
	face := newFace(size, true)
	if face == nil {
		return image.Rectangle{}
	}
	defer face.Close()
	ink := inkBounds(face, s)
	return ink
}
