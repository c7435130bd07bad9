package tile

// Thumbnails of a strip are 16:9.
const thumbRatioW, thumbRatioH = 16, 9

// stripSplit divides a w×h canvas into a stage and a strip of m 16:9
// thumbnails: a column on the right, about w/5 wide, on a landscape
// canvas, a row at the bottom, about h/6 high, on a portrait one. The
// thumbnails are centred in the strip. With no thumbnail the stage is the
// whole canvas.
func stripSplit(w, h, m int) (stage Rect, thumbs []Rect) {
	if m <= 0 {
		return Rect{W: w, H: h}, nil
	}
	thumbs = make([]Rect, m)
	if isPortrait(w, h) {
		sh := evenNearest(float64(h) / 6)
		tw, th, x0 := lineUp(w, sh, thumbRatioW, thumbRatioH, m)
		y := h - sh + evenDown((sh-th)/2)
		for i := range thumbs {
			thumbs[i] = Rect{X: x0 + i*tw, Y: y, W: tw, H: th}
		}
		return Rect{W: w, H: h - sh}, thumbs
	}
	sw := evenNearest(float64(w) / 5)
	th, tw, y0 := lineUp(h, sw, thumbRatioH, thumbRatioW, m)
	x := w - sw + evenDown((sw-tw)/2)
	for i := range thumbs {
		thumbs[i] = Rect{X: x, Y: y0 + i*th, W: tw, H: th}
	}
	return Rect{W: w - sw, H: h}, thumbs
}

// lineUp places m thumbnails side by side along a strip of the given
// length and breadth, a thumbnail measuring p:q along:across. They take
// the whole breadth when they fit; when they do not, they shrink to share
// the length. It returns a thumbnail's even size along and across the
// strip and the offset along it of the first one, which centres them.
func lineUp(length, breadth, p, q, m int) (along, across, start int) {
	along, across = evenDown(breadth*p/q), breadth
	if along == 0 || along*m > length {
		along = evenDown(length / m)
		across = min(breadth, evenDown(along*q/p))
	}
	return along, across, evenDown((length - m*along) / 2)
}

// stageAndStrip returns stage, its rectangle set to the stage of the
// canvas, followed by the thumbnails of the participants ids in the
// strip: camera tiles covering their thumbnail.
func stageAndStrip(w, h int, stage Tile, ids []string) []Tile {
	stageRect, thumbs := stripSplit(w, h, len(ids))
	stage.Rect = stageRect
	tiles := appendTile(make([]Tile, 0, 1+len(ids)), stage)
	for i, r := range thumbs {
		tiles = appendTile(tiles, Tile{Participant: ids[i], Rect: r, Fit: FitCover})
	}
	return tiles
}

// idsExcept returns the ids of ps in join order, without ps[skip] (skip
// -1 leaves out nobody), at most limit of them.
func idsExcept(ps []Participant, skip, limit int) []string {
	var ids []string
	for i, p := range ps {
		if len(ids) >= limit {
			break
		}
		if i != skip {
			ids = append(ids, p.ID)
		}
	}
	return ids
}
