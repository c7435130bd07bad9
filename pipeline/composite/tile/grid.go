package tile

// GridOptions configures Grid.
type GridOptions struct {
	// Fit of every tile; "" (or an unknown value) means FitContain.
	Fit Fit
}

// Grid returns the layout that gives every participant an equal tile,
// cameras or not (the compositor draws a placeholder for one without),
// in join order, the first MaxTiles only.
//
// The grid has cols×rows cells by the count n: on a landscape canvas
// 1→1×1, 2→2×1, 3–4→2×2, 5–6→3×2, 7–9→3×3, 10–12→4×3, 13–16→4×4,
// 17–20→5×4, 21–25→5×5; on a portrait one the transpose. Cells are the
// canvas divided by cols and rows, rounded down to even; the grid is
// centred on the canvas and an incomplete last row is centred in it.
//
// Tile i is the i-th participant, so a newcomer is appended and a
// leaver's tile closes up: the tiles of complete rows keep their place
// while the grid keeps its shape, and only the last row re-centres.
// On a canvas too small for cells of 2×2 pixels there are no tiles.
func Grid(o GridOptions) Layout { return grid{fit: fitOr(o.Fit, FitContain)} }

type grid struct{ fit Fit }

// Tiles implements Layout.
func (g grid) Tiles(s Scene) []Tile {
	s = s.people()
	n := min(len(s.Participants), MaxTiles)
	if n == 0 {
		return nil
	}
	w, h := canvasSize(s)
	cols, rows := gridShape(n, isPortrait(w, h))
	cells := gridCells(w, h, cols, rows, n)
	tiles := make([]Tile, 0, n)
	for i, r := range cells {
		tiles = appendTile(tiles, Tile{Participant: s.Participants[i].ID, Rect: r, Fit: g.fit})
	}
	return tiles
}

// gridShape returns the columns and rows for n tiles: the smallest
// square that holds n, less its empty last row (landscape), transposed
// on a portrait canvas.
func gridShape(n int, portrait bool) (cols, rows int) {
	cols = 1
	for cols*cols < n {
		cols++
	}
	rows = (n + cols - 1) / cols
	if portrait {
		return rows, cols
	}
	return cols, rows
}

// gridCells returns the rectangles of n cells filled row by row in a
// centred cols×rows grid on a w×h canvas, the last row centred.
func gridCells(w, h, cols, rows, n int) []Rect {
	cw, ch := evenDown(w/cols), evenDown(h/rows)
	x0, y0 := evenDown((w-cols*cw)/2), evenDown((h-rows*ch)/2)
	cells := make([]Rect, n)
	for i := range cells {
		row, col := i/cols, i%cols
		inRow := min(cols, n-row*cols)
		x := x0 + evenDown((cols-inRow)*cw/2) + col*cw
		cells[i] = Rect{X: x, Y: y0 + row*ch, W: cw, H: ch}
	}
	return cells
}
