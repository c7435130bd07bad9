package tile

// DefaultMaxCameras is the number of cameras beside a shared screen when
// PresentationOptions.MaxCameras is 0.
const DefaultMaxCameras = 4

// PresentationOptions configures Presentation.
type PresentationOptions struct {
	// MaxCameras bounds the camera thumbnails beside the screen: 0 means
	// DefaultMaxCameras, more than MaxTiles-1 means MaxTiles-1, and a
	// negative number means none (the screen alone).
	MaxCameras int
	// Fit of the stage when no screen is shown; "" (or an unknown value)
	// means FitContain. A shared screen is always FitContain, so that
	// nothing of it is cropped.
	Fit Fit
}

// Presentation returns the layout for a shared screen. When Scene.Screen
// names a participant in the room who shares a screen, that screen is
// the stage and a strip (placed as Speaker places its thumbnails) holds
// up to MaxCameras camera tiles: the active speaker first, then the
// others in join order, the presenter included. Without a screen it is
// Speaker with thumbnails.
func Presentation(o PresentationOptions) Layout {
	return presentation{maxCameras: maxCameras(o.MaxCameras), fit: fitOr(o.Fit, FitContain)}
}

type presentation struct {
	maxCameras int
	fit        Fit
}

// maxCameras returns the bound on camera thumbnails that option n means.
func maxCameras(n int) int {
	switch {
	case n == 0:
		return DefaultMaxCameras
	case n < 0:
		return 0
	}
	return min(n, MaxTiles-1)
}

// Tiles implements Layout.
func (l presentation) Tiles(s Scene) []Tile {
	si := screenIndex(s)
	if si < 0 {
		return Speaker(SpeakerOptions{Thumbnails: true, Fit: l.fit}).Tiles(s)
	}
	w, h := canvasSize(s)
	screen := Tile{Participant: s.Participants[si].ID, Screen: true, Fit: FitContain}
	return stageAndStrip(w, h, screen, speakerFirst(s.people(), l.maxCameras))
}

// speakerFirst returns the ids of the active speaker, when it is in the
// room, then of the others in join order, at most limit of them.
func speakerFirst(s Scene, limit int) []string {
	sp := indexByID(s.Participants, s.Speaker)
	var ids []string
	if sp >= 0 && limit > 0 {
		ids = append(ids, s.Participants[sp].ID)
	}
	return append(ids, idsExcept(s.Participants, sp, limit-len(ids))...)
}
