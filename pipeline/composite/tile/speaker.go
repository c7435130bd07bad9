package tile

// SpeakerOptions configures Speaker.
type SpeakerOptions struct {
	// Thumbnails adds a strip with everybody else beside the stage.
	Thumbnails bool
	// Fit of the stage; "" (or an unknown value) means FitContain.
	// Thumbnails always use FitCover.
	Fit Fit
}

// Speaker returns the layout that puts one participant on the stage: the
// active speaker (Scene.Speaker) when it is in the room, else the first
// participant in join order with a camera, else the first one.
//
// Without thumbnails the stage is the whole canvas. With them the others,
// in join order and at most MaxTiles-1, are 16:9 thumbnails in a strip: a
// column on the right about a fifth of the width wide on a landscape
// canvas, a row at the bottom about a sixth of the height high on a
// portrait one; thumbnails shrink when there are more than fit, and the
// stage is the rest of the canvas (all of it when nobody else is there).
func Speaker(o SpeakerOptions) Layout {
	return speaker{thumbnails: o.Thumbnails, fit: fitOr(o.Fit, FitContain)}
}

type speaker struct {
	thumbnails bool
	fit        Fit
}

// Tiles implements Layout.
func (l speaker) Tiles(s Scene) []Tile {
	s = s.people()
	i := stageIndex(s)
	if i < 0 {
		return nil
	}
	w, h := canvasSize(s)
	var others []string
	if l.thumbnails {
		others = idsExcept(s.Participants, i, MaxTiles-1)
	}
	return stageAndStrip(w, h, Tile{Participant: s.Participants[i].ID, Fit: l.fit}, others)
}
