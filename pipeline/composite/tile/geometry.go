package tile

import "math"

// evenDown rounds v down to an even number.
func evenDown(v int) int { return v &^ 1 }

// evenNearest rounds f to the nearest even number.
func evenNearest(f float64) int { return 2 * int(math.Round(f/2)) }

// canvasSize returns the scene's canvas in even pixels: odd sizes are
// rounded down and negative ones count as 0.
func canvasSize(s Scene) (w, h int) {
	return evenDown(max(s.Width, 0)), evenDown(max(s.Height, 0))
}

// isPortrait says whether a canvas is taller than wide; a square one
// counts as landscape.
func isPortrait(w, h int) bool { return h > w }

// isEmpty says whether r covers no pixel.
func isEmpty(r Rect) bool { return r.W <= 0 || r.H <= 0 }

// overlaps says whether a and b share a pixel; touching edges do not.
func overlaps(a, b Rect) bool {
	return a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H
}

// appendTile appends t to tiles unless its rectangle is empty, as it is
// on a canvas too small for the layout.
func appendTile(tiles []Tile, t Tile) []Tile {
	if isEmpty(t.Rect) {
		return tiles
	}
	return append(tiles, t)
}

// fitOr returns f when it is a known fit, def otherwise ("" included).
func fitOr(f, def Fit) Fit {
	if f == FitContain || f == FitCover {
		return f
	}
	return def
}
