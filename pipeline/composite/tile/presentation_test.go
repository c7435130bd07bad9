package tile

import (
	"reflect"
	"slices"
	"testing"
)

// sharing returns a w×h room of n with p(presenter) sharing its screen
// and p(speaker) speaking.
func sharing(w, h, n, presenter, speaker int) Scene {
	s := room(w, h, n)
	s.Participants[presenter].Screen = true
	s.Screen = s.Participants[presenter].ID
	s.Speaker = s.Participants[speaker].ID
	return s
}

func TestPresentationScreenOnStage(t *testing.T) {
	for _, c := range []struct {
		name       string
		maxCameras int
		want       []string
	}{
		{"default four, speaker first", 0, []string{"p3", "p0", "p1", "p2"}},
		{"two", 2, []string{"p3", "p0"}},
		{"more than the room", 50, []string{"p3", "p0", "p1", "p2", "p4", "p5"}},
		{"none", -1, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := sharing(1280, 720, 6, 2, 3)
			tiles := Presentation(PresentationOptions{MaxCameras: c.maxCameras, Fit: FitCover}).Tiles(s)
			checkTiles(t, s, tiles)
			checkNoOverlap(t, tiles)
			stage := Tile{Participant: "p2", Screen: true, Rect: Rect{W: 1024, H: 720}, Fit: FitContain}
			if c.want == nil {
				stage.Rect = Rect{W: 1280, H: 720}
			}
			if tiles[0] != stage {
				t.Errorf("stage %+v, want %+v", tiles[0], stage)
			}
			if got := ids(tiles[1:]); !slices.Equal(got, c.want) {
				t.Errorf("cameras %v, want %v", got, c.want)
			}
			for _, tl := range tiles[1:] {
				if tl.Screen || tl.Fit != FitCover || tl.Rect.X < 1024 {
					t.Errorf("camera tile %+v", tl)
				}
			}
		})
	}
}

func TestPresentationWithoutScreen(t *testing.T) {
	notSharing := room(1280, 720, 5)
	notSharing.Screen = "p1" // named, but p1 shares nothing
	gone := sharing(1280, 720, 5, 1, 2)
	gone.Screen = "p9"
	for name, s := range map[string]Scene{"no screen": room(1280, 720, 5), "not sharing": notSharing, "presenter left": gone} {
		got := Presentation(PresentationOptions{Fit: FitCover}).Tiles(s)
		want := Speaker(SpeakerOptions{Thumbnails: true, Fit: FitCover}).Tiles(s)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v\nwant the speaker layout %+v", name, got, want)
		}
	}
}

func TestPresentationMaxCameras(t *testing.T) {
	for _, c := range []struct{ in, want int }{{0, 4}, {-3, 0}, {1, 1}, {24, 24}, {25, 24}, {1000, 24}} {
		if got := maxCameras(c.in); got != c.want {
			t.Errorf("maxCameras(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestPresentationInvariants(t *testing.T) {
	for _, cv := range canvases {
		for _, n := range counts[1:] {
			for _, maxCam := range []int{0, 1, 24} {
				s := sharing(cv.w, cv.h, n, n-1, n/2)
				tiles := Presentation(PresentationOptions{MaxCameras: maxCam}).Tiles(s)
				checkTiles(t, s, tiles)
				checkNoOverlap(t, tiles)
				want := 1 + min(n, maxCameras(maxCam))
				if len(tiles) != want || !tiles[0].Screen || tiles[1].Participant != s.Speaker {
					t.Errorf("%dx%d n=%d max=%d: %v (%d tiles, want %d), want the screen then the speaker",
						cv.w, cv.h, n, maxCam, ids(tiles), len(tiles), want)
				}
			}
		}
	}
}
