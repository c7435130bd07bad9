// Package tile holds the composite layouts as pure functions: from a
// canvas, the participants in join order, who speaks and who shares a
// screen, to the rectangles where each picture goes. It knows nothing of
// codecs or frames; the compositor in pipeline/composite draws what it
// returns.
package tile

// MaxTiles bounds the pictures of one layout (grid and custom alike).
const MaxTiles = 25

// Rect is a rectangle in canvas pixels. Layouts return rectangles with
// even X, Y, W and H (4:2:0 chroma stays aligned), inside the canvas.
type Rect struct{ X, Y, W, H int }

// Fit says how a picture of another aspect ratio fills its tile.
type Fit string

// Fits.
const (
	FitContain Fit = "contain" // letterbox or pillarbox, nothing cropped
	FitCover   Fit = "cover"   // fill the tile, crop what overflows
)

// Participant is one member of the room as the layouts see it.
type Participant struct {
	ID   string // participant id, unique in the room
	Name string
	// Camera, Screen and Audio say which tracks it publishes now.
	Camera, Screen, Audio bool
}

// tiled reports whether the participant gets a camera tile (its
// placeholder when it has no camera): everyone but a screen share's own
// session, which publishes a screen and nothing else.
func (p Participant) tiled() bool { return p.Camera || p.Audio || !p.Screen }

// people returns s with only the participants that get camera tiles.
func (s Scene) people() Scene {
	out := s
	out.Participants = make([]Participant, 0, len(s.Participants))
	for _, p := range s.Participants {
		if p.tiled() {
			out.Participants = append(out.Participants, p)
		}
	}
	return out
}

// Scene is what a layout is computed from.
type Scene struct {
	Width, Height int           // canvas size, even
	Participants  []Participant // in join order
	Speaker       string        // active speaker's id, "" when nobody spoke yet
	Screen        string        // id of the participant whose screen is shown, "" none
}

// Tile is one picture to draw.
type Tile struct {
	Participant string // participant id
	Screen      bool   // the participant's screen track, not its camera
	Rect        Rect
	Z           int // drawn in increasing Z, then in slice order
	Fit         Fit
}

// Layout computes the tiles of a scene. Implementations are pure: the
// same scene gives the same tiles.
type Layout interface {
	Tiles(s Scene) []Tile
}
