package tile

import "math"

// Region is one picture of a custom layout, as an API request gives it.
type Region struct {
	// X, Y, W and H place the region in canvas pixels or, when all four
	// are at most 1, in fractions of the canvas width and height.
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
	// Z orders the drawing: higher on top. Regions that overlap must
	// have different Z.
	Z int `json:"z,omitempty"`
	// Source is what the region shows: a participant's name or id (its
	// camera), or SourceSpeaker, SourceScreen or SourceNext.
	Source string `json:"source"`
	// Fit is FitContain (the default when "") or FitCover.
	Fit Fit `json:"fit,omitempty"`
}

// Region sources other than a participant. They take precedence over a
// participant named the same.
const (
	// SourceSpeaker is the active speaker's camera, or the stage
	// participant of Speaker when nobody speaks.
	SourceSpeaker = "speaker"
	// SourceScreen is the shared screen of Scene.Screen; no tile when no
	// screen is shared.
	SourceScreen = "screen"
	// SourceNext is the camera of the next participant in join order
	// that no named or speaker region shows and no earlier next region
	// took; no tile when none is left.
	SourceNext = "next"
)

// isFractional says whether the region is given in fractions of the
// canvas: all four of X, Y, W and H are at most 1.
func (r Region) isFractional() bool { return r.X <= 1 && r.Y <= 1 && r.W <= 1 && r.H <= 1 }

// regionAxis is one dimension of a region: its start and length, with
// the field names that give them, and the canvas size along it.
type regionAxis struct {
	startField, lengthField string
	start, length           float64
	canvas                  int
	canvasName              string
}

// axes returns the horizontal and the vertical axis of r on a w×h canvas.
func (r Region) axes(w, h int) [2]regionAxis {
	return [2]regionAxis{
		{"x", "w", r.X, r.W, w, "width"},
		{"y", "h", r.Y, r.H, h, "height"},
	}
}

// scale returns the canvas pixels that one unit of a is worth.
func (a regionAxis) scale(fractional bool) float64 {
	if fractional {
		return float64(a.canvas)
	}
	return 1
}

// span returns the even pixel edges of a, clamped to the canvas.
func (a regionAxis) span(fractional bool) (lo, hi int) {
	s := a.scale(fractional)
	return evenEdge(a.start*s, a.canvas), evenEdge((a.start+a.length)*s, a.canvas)
}

// evenEdge rounds v, a pixel edge, to the nearest even pixel in the
// canvas [0, canvas] (canvas even); NaN gives 0.
func evenEdge(v float64, canvas int) int {
	if !(v > 0) {
		return 0
	}
	if v >= float64(canvas) {
		return canvas
	}
	return min(evenNearest(v), canvas)
}

// pixels returns the region as an even pixel rectangle on a w×h canvas
// (w and h even), its edges rounded and clamped to the canvas; ok is
// false when it is empty there or its numbers are not finite.
func (r Region) pixels(w, h int) (rect Rect, ok bool) {
	if !allFinite(r.X, r.Y, r.W, r.H) {
		return Rect{}, false
	}
	frac := r.isFractional()
	ax := r.axes(w, h)
	x0, x1 := ax[0].span(frac)
	y0, y1 := ax[1].span(frac)
	rect = Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	return rect, !isEmpty(rect)
}

// allFinite says whether no value is NaN or infinite.
func allFinite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
