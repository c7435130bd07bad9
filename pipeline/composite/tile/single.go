package tile

// Single returns the layout that shows one participant's camera on the
// whole canvas (FitContain): the one whose ID is name, else the first in
// join order whose Name is name. It has no tile when nobody matches.
func Single(name string) Layout { return single{name: name} }

type single struct{ name string }

// Tiles implements Layout.
func (l single) Tiles(s Scene) []Tile {
	i := indexByNameOrID(s.Participants, l.name)
	if i < 0 {
		return nil
	}
	w, h := canvasSize(s)
	return appendTile(nil, Tile{Participant: s.Participants[i].ID, Rect: Rect{W: w, H: h}, Fit: FitContain})
}
