package tile

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// A fuzz input starts with a scene:
//
//	width/2, height/2  uint16 each, big-endian, modulo 1201
//	n                  modulo 30, then n flag bytes: bit 0 camera, bit 1 screen
//	speaker, screen    participant index; 0xfe a stranger, others nobody
//
// FuzzCustom goes on with a count modulo 30 and as many regions of 12
// bytes: a mode (bit 0 fractions in 1/10000, else pixels; bit 1 adds half
// a pixel; bits 2-4 break a number: 1 x NaN, 2 w +Inf, 3 h -Inf, 4 y
// 1e300), x, y, w, h int16, z int8, a source and a fit (see fuzzSource,
// fuzzFit). FuzzLayouts goes on with an option byte (bit 0 cover, bit 1
// thumbnails), MaxCameras int8 and the index of Single's participant.

// fuzzBytes reads a fuzz input; past its end it reads zeros.
type fuzzBytes struct{ data []byte }

func (b *fuzzBytes) byte() byte {
	if len(b.data) == 0 {
		return 0
	}
	v := b.data[0]
	b.data = b.data[1:]
	return v
}

func (b *fuzzBytes) u16() uint16 { return uint16(b.byte())<<8 | uint16(b.byte()) }

// scene decodes the scene at the start of an input.
func (b *fuzzBytes) scene() Scene {
	s := Scene{Width: 2 * int(b.u16()%1201), Height: 2 * int(b.u16()%1201)}
	s.Participants = people(int(b.byte() % 30))
	for i := range s.Participants {
		f := b.byte()
		s.Participants[i].Camera, s.Participants[i].Screen = f&1 != 0, f&2 != 0
	}
	s.Speaker, s.Screen = b.participant(s), b.participant(s)
	return s
}

// participant decodes a participant's id.
func (b *fuzzBytes) participant(s Scene) string {
	switch i := int(b.byte()); {
	case i < len(s.Participants):
		return s.Participants[i].ID
	case i == 0xfe:
		return "stranger"
	}
	return ""
}

// region decodes one region.
func (b *fuzzBytes) region(s Scene) Region {
	mode := b.byte()
	var v [4]float64
	for i := range v {
		v[i] = float64(int16(b.u16()))
		if mode&1 != 0 {
			v[i] /= 10000
		} else if mode&2 != 0 {
			v[i] += 0.5
		}
	}
	switch mode >> 2 & 7 {
	case 1:
		v[0] = math.NaN()
	case 2:
		v[2] = math.Inf(1)
	case 3:
		v[3] = math.Inf(-1)
	case 4:
		v[1] = 1e300
	}
	z := int(int8(b.byte()))
	return Region{X: v[0], Y: v[1], W: v[2], H: v[3], Z: z, Source: fuzzSource(s, b.byte()), Fit: fuzzFit(b.byte())}
}

// fuzzSource decodes a region's source.
func fuzzSource(s Scene, c byte) string {
	k := int(c>>3) % max(len(s.Participants), 1)
	return []string{"", SourceSpeaker, SourceScreen, SourceNext,
		fmt.Sprintf("p%d", k), fmt.Sprintf("n%d", k), "stranger", " "}[c%8]
}

// fuzzFit decodes a fit.
func fuzzFit(c byte) Fit { return []Fit{"", FitContain, FitCover, "stretch"}[c%4] }

// decodeCustom decodes a FuzzCustom input.
func decodeCustom(data []byte) (Scene, []Region) {
	in := &fuzzBytes{data}
	s := in.scene()
	regions := make([]Region, in.byte()%30)
	for i := range regions {
		regions[i] = in.region(s)
	}
	return s, regions
}

func FuzzCustom(f *testing.F) {
	for _, s := range customSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, regions := decodeCustom(data)
		err := ValidateRegions(regions, s.Width, s.Height)
		var fe *FieldError
		if err != nil && (!errors.As(err, &fe) || fe.Field == "" || fe.Reason == "") {
			t.Fatalf("error %v is not a *FieldError naming a field", err)
		}
		tiles := Custom(regions).Tiles(s)
		checkTiles(t, s, tiles)
		if len(tiles) > len(regions) {
			t.Errorf("%d tiles from %d regions", len(tiles), len(regions))
		}
		for i := 1; i < len(tiles); i++ {
			if tiles[i].Z < tiles[i-1].Z {
				t.Errorf("tiles not sorted by z: %+v", tiles)
			}
		}
		if err == nil {
			checkSameZApart(t, tiles)
		}
	})
}

// checkSameZApart fails t when two tiles of the same Z overlap.
func checkSameZApart(t *testing.T, tiles []Tile) {
	t.Helper()
	for j := range tiles {
		for i := range j {
			if tiles[i].Z == tiles[j].Z && overlaps(tiles[i].Rect, tiles[j].Rect) {
				t.Errorf("valid regions, yet tiles %+v and %+v overlap", tiles[i], tiles[j])
			}
		}
	}
}

func FuzzLayouts(f *testing.F) {
	for _, s := range layoutSeeds() {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := &fuzzBytes{data}
		s := in.scene()
		opt := in.byte()
		fit := map[bool]Fit{true: FitCover, false: ""}[opt&1 != 0]
		maxCam := int(int8(in.byte()))
		layouts := map[string]Layout{
			"grid":         Grid(GridOptions{Fit: fit}),
			"speaker":      Speaker(SpeakerOptions{Thumbnails: opt&2 != 0, Fit: fit}),
			"presentation": Presentation(PresentationOptions{MaxCameras: maxCam, Fit: fit}),
			"single":       Single(in.participant(s)),
		}
		for name, l := range layouts {
			tiles := l.Tiles(s)
			checkTiles(t, s, tiles)
			checkNoOverlap(t, tiles)
			if t.Failed() {
				t.Fatalf("layout %s, scene %+v", name, s)
			}
		}
		// On a canvas of some size nobody is dropped for lack of room
		// (a screen share's own session has no camera tile).
		if s.Width >= 200 && s.Height >= 200 {
			if got, want := len(layouts["grid"].Tiles(s)), min(len(s.people().Participants), MaxTiles); got != want {
				t.Errorf("grid: %d tiles, want %d", got, want)
			}
		}
	})
}

// fuzzScene encodes a scene for a fuzz input: canvas w×h, participant
// flags, and the speaker's and screen's indexes.
func fuzzScene(w, h int, flags []byte, speaker, screen byte) []byte {
	out := []byte{byte(w / 2 >> 8), byte(w / 2), byte(h / 2 >> 8), byte(h / 2), byte(len(flags))}
	return append(append(out, flags...), speaker, screen)
}

// fuzzRegion encodes a region for a FuzzCustom input.
func fuzzRegion(mode byte, x, y, w, h int16, z int8, source, fit byte) []byte {
	out := []byte{mode}
	for _, v := range []int16{x, y, w, h} {
		out = append(out, byte(uint16(v)>>8), byte(v))
	}
	return append(out, byte(z), source, fit)
}

// fuzzSeed is one named input of a fuzz target's seed table; the same
// table feeds f.Add and the corpus under testdata/fuzz.
type fuzzSeed struct {
	name string
	data []byte
}

// seedFrom joins the parts of one seed.
func seedFrom(name string, parts ...[]byte) fuzzSeed {
	var data []byte
	for _, p := range parts {
		data = append(data, p...)
	}
	return fuzzSeed{name: name, data: data}
}

// Sources of fuzzRegion.
const (
	srcSpeaker, srcScreen, srcNext = 1, 2, 3
	srcID, srcName                 = 4, 5 // | index<<3
)

func customSeeds() []fuzzSeed {
	four := fuzzScene(1280, 720, []byte{1, 1, 3, 1}, 1, 2)
	many := make([]byte, 29)
	for i := range many {
		many[i] = 1
	}
	var nexts [][]byte
	for i := range 26 {
		nexts = append(nexts, fuzzRegion(1, 0, 0, 10000, 10000, int8(i), srcNext, 0))
	}
	return []fuzzSeed{
		seedFrom("quadrants", four, []byte{4},
			fuzzRegion(1, 0, 0, 5000, 5000, 0, srcSpeaker, 0),
			fuzzRegion(1, 5000, 0, 5000, 5000, 0, srcScreen, 1),
			fuzzRegion(1, 0, 5000, 5000, 5000, 0, srcNext, 2),
			fuzzRegion(1, 5000, 5000, 5000, 5000, 0, srcName|3<<3, 0)),
		seedFrom("picture-in-picture", four, []byte{2},
			fuzzRegion(0, 0, 0, 1280, 720, 0, srcScreen, 0),
			fuzzRegion(0, 960, 540, 320, 180, 1, srcID|1<<3, 2)),
		seedFrom("overlap-same-z", four, []byte{2},
			fuzzRegion(0, 0, 0, 800, 600, 0, srcNext, 0),
			fuzzRegion(0, 400, 300, 800, 400, 0, srcNext, 0)),
		seedFrom("broken-numbers", four, []byte{4},
			fuzzRegion(1<<2, 0, 0, 100, 100, 0, srcNext, 0),
			fuzzRegion(2<<2, 0, 0, 100, 100, 1, srcNext, 0),
			fuzzRegion(3<<2|1, 0, 0, 100, 100, 2, srcNext, 3),
			fuzzRegion(4<<2, 0, 0, 100, 100, 3, 0, 0)),
		seedFrom("off-canvas-odd-pixels", four, []byte{3},
			fuzzRegion(2, -101, -51, 301, 199, 0, srcSpeaker, 0),
			fuzzRegion(2, 1201, 601, 301, 199, 1, srcNext, 0),
			fuzzRegion(0, 32767, 32767, -32768, 7, 2, 7, 0)),
		seedFrom("tiny-canvas", fuzzScene(2, 2, []byte{1, 2}, 0, 1), []byte{2},
			fuzzRegion(1, 0, 0, 10000, 10000, 0, srcScreen, 0),
			fuzzRegion(0, 0, 0, 1, 1, 1, srcSpeaker, 0)),
		seedFrom("no-canvas", fuzzScene(0, 0, []byte{1}, 0, 0xff), []byte{1},
			fuzzRegion(1, 0, 0, 10000, 10000, 0, srcNext, 0)),
		seedFrom("more-than-max", append([][]byte{fuzzScene(1920, 1080, many, 0xfe, 0xff), {26}}, nexts...)...),
	}
}

func layoutSeeds() []fuzzSeed {
	many := make([]byte, 29)
	for i := range many {
		many[i] = byte(i % 4)
	}
	return []fuzzSeed{
		seedFrom("grid-ten", fuzzScene(1280, 720, []byte{1, 1, 1, 0, 1, 1, 1, 1, 1, 1}, 3, 0xff), []byte{0, 0, 2}),
		seedFrom("portrait-sharing", fuzzScene(720, 1280, []byte{1, 3, 1, 1, 1, 1}, 2, 1), []byte{2, 3, 5}),
		seedFrom("full-room", fuzzScene(1920, 1080, many, 7, 2), []byte{3, 100, 28}),
		seedFrom("stranger-speaks", fuzzScene(1280, 720, []byte{0, 0, 1}, 0xfe, 0xfe), []byte{2, 0xff, 0xfe}),
		seedFrom("tiny-canvas", fuzzScene(6, 4, many, 1, 1), []byte{3, 24, 0}),
		seedFrom("empty-room", fuzzScene(1280, 720, nil, 0, 0), []byte{2, 0, 0}),
	}
}

// corpusFile returns the go test fuzz v1 encoding of data.
func corpusFile(data []byte) string {
	return fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
}

// TestFuzzSeedsDecode checks that seeds decode as they are meant to.
func TestFuzzSeedsDecode(t *testing.T) {
	want := map[string]string{"quadrants": "", "picture-in-picture": "", "overlap-same-z": "regions[1].z",
		"broken-numbers": "regions[0].x", "no-canvas": "width", "more-than-max": "regions"}
	for _, seed := range customSeeds() {
		field, ok := want[seed.name]
		if !ok {
			continue
		}
		s, regions := decodeCustom(seed.data)
		got := ""
		var fe *FieldError
		if err := ValidateRegions(regions, s.Width, s.Height); errors.As(err, &fe) {
			got = fe.Field
		}
		if got != field {
			t.Errorf("%s: fault on %q, want on %q", seed.name, got, field)
		}
	}
}
