package tile

import (
	"slices"
	"testing"
)

func TestSpeakerStage(t *testing.T) {
	noCam := people(3)
	for i := range noCam {
		noCam[i].Camera = false
	}
	secondCam := people(3)
	secondCam[0].Camera = false
	for _, c := range []struct {
		name    string
		ps      []Participant
		speaker string
		want    string
	}{
		{"the active speaker", people(3), "p2", "p2"},
		{"nobody spoke: the first", people(3), "", "p0"},
		{"speaker left: the first", people(3), "p9", "p0"},
		{"the first with a camera", secondCam, "", "p1"},
		{"a speaker without camera all the same", secondCam, "p0", "p0"},
		{"no cameras: the first", noCam, "", "p0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := Scene{Width: 1280, Height: 720, Participants: c.ps, Speaker: c.speaker}
			for _, thumbs := range []bool{false, true} {
				tiles := Speaker(SpeakerOptions{Thumbnails: thumbs}).Tiles(s)
				if len(tiles) == 0 || tiles[0].Participant != c.want {
					t.Errorf("thumbnails %v: stage %v, want %s", thumbs, ids(tiles), c.want)
				}
			}
		})
	}
	if tiles := Speaker(SpeakerOptions{Thumbnails: true}).Tiles(room(1280, 720, 0)); len(tiles) != 0 {
		t.Errorf("empty room: %+v", tiles)
	}
}

func TestSpeakerRects(t *testing.T) {
	for _, c := range []struct {
		name    string
		w, h, n int
		thumbs  bool
		want    []Rect
	}{
		{"alone, whole canvas", 1280, 720, 5, false, []Rect{{0, 0, 1280, 720}}},
		{"one participant with thumbnails", 1280, 720, 1, true, []Rect{{0, 0, 1280, 720}}},
		{"two thumbnails centred", 1280, 720, 3, true, []Rect{
			{0, 0, 1024, 720}, {1024, 216, 256, 144}, {1024, 360, 256, 144}}},
		{"five thumbnails fill the column", 1280, 720, 6, true, []Rect{
			{0, 0, 1024, 720}, {1024, 0, 256, 144}, {1024, 144, 256, 144},
			{1024, 288, 256, 144}, {1024, 432, 256, 144}, {1024, 576, 256, 144}}},
		{"six thumbnails shrink", 1280, 720, 7, true, []Rect{
			{0, 0, 1024, 720}, {1046, 0, 212, 120}, {1046, 120, 212, 120}, {1046, 240, 212, 120},
			{1046, 360, 212, 120}, {1046, 480, 212, 120}, {1046, 600, 212, 120}}},
		{"full hd", 1920, 1080, 2, true, []Rect{{0, 0, 1536, 1080}, {1536, 432, 384, 216}}},
		{"portrait row at the bottom", 720, 1280, 2, true, []Rect{{0, 0, 720, 1066}, {170, 1066, 380, 214}}},
		{"portrait thumbnails shrink", 720, 1280, 3, true, []Rect{
			{0, 0, 720, 1066}, {0, 1072, 360, 202}, {360, 1072, 360, 202}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Speaker(SpeakerOptions{Thumbnails: c.thumbs}).Tiles(room(c.w, c.h, c.n))
			if !slices.Equal(rects(got), c.want) {
				t.Errorf("got %+v\nwant %+v", rects(got), c.want)
			}
		})
	}
}

func TestSpeakerInvariants(t *testing.T) {
	for _, cv := range canvases {
		for _, n := range counts {
			s := room(cv.w, cv.h, n)
			if n > 0 {
				s.Speaker = s.Participants[n/2].ID
			}
			tiles := Speaker(SpeakerOptions{Thumbnails: true, Fit: FitCover}).Tiles(s)
			checkTiles(t, s, tiles)
			checkNoOverlap(t, tiles)
			if len(tiles) != min(n, MaxTiles) {
				t.Fatalf("%dx%d n=%d: %d tiles", cv.w, cv.h, n, len(tiles))
			}
			if n == 0 {
				continue
			}
			want := []string{s.Speaker}
			for _, p := range s.Participants {
				if p.ID != s.Speaker && len(want) < MaxTiles {
					want = append(want, p.ID)
				}
			}
			if !slices.Equal(ids(tiles), want) {
				t.Errorf("%dx%d n=%d: %v, want the speaker then join order %v", cv.w, cv.h, n, ids(tiles), want)
			}
			for i, tl := range tiles {
				if tl.Fit != FitCover || tl.Screen || tl.Z != 0 {
					t.Errorf("%dx%d n=%d tile %d: %+v", cv.w, cv.h, n, i, tl)
				}
			}
		}
	}
}

func TestSpeakerFollowsSpeaker(t *testing.T) {
	l := Speaker(SpeakerOptions{Thumbnails: true})
	s := room(1280, 720, 4)
	for _, sp := range []string{"p0", "p3", "p1", ""} {
		s.Speaker = sp
		got := ids(l.Tiles(s))
		stage := sp
		if sp == "" {
			stage = "p0"
		}
		want := []string{stage}
		for _, p := range []string{"p0", "p1", "p2", "p3"} {
			if p != stage {
				want = append(want, p)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("speaker %q: %v, want %v", sp, got, want)
		}
	}
}

func TestSpeakerFit(t *testing.T) {
	for _, c := range []struct{ in, want Fit }{{"", FitContain}, {FitCover, FitCover}, {"fill", FitContain}} {
		tiles := Speaker(SpeakerOptions{Thumbnails: true, Fit: c.in}).Tiles(room(1280, 720, 2))
		if tiles[0].Fit != c.want || tiles[1].Fit != FitCover {
			t.Errorf("fit %q: stage %q thumbnail %q", c.in, tiles[0].Fit, tiles[1].Fit)
		}
	}
}
