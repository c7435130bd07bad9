package jobs

import (
	"testing"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// TestPriceFollowsSpec prices jobs from their spec alone: one table of
// layouts, tile counts, canvases and renditions.
func TestPriceFollowsSpec(t *testing.T) {
	c := Costs{Transcode: 45, Composite: 50, Rendition: 30, Tiles: map[string]TileCosts{
		types.LayoutGrid:         {2: 35, 4: 40, 10: 58},
		types.LayoutSpeaker:      {2: 50, 4: 50, 10: 65},
		types.LayoutPresentation: {2: 45, 4: 50, 10: 50},
	}}
	hd := types.VideoSpec{Width: 1280, Height: 720, FPS: 30}
	no := false
	lay := func(l types.LayoutSpec, v types.VideoSpec, canvases ...types.CanvasSpec) types.Spec {
		return types.Spec{LayoutSpec: l, Video: v, Canvases: canvases}
	}
	grid := types.LayoutSpec{Layout: types.LayoutGrid}
	regions := func(n int) types.LayoutSpec {
		l := types.LayoutSpec{Layout: types.LayoutCustom}
		for range n {
			l.Regions = append(l.Regions, tile.Region{W: 0.1, H: 0.1, Source: "next"})
		}
		return l
	}
	vertical := types.CanvasSpec{Name: "v", Width: 720, Height: 1280}
	for _, tc := range []struct {
		name      string
		spec      types.Spec
		roomLimit int
		kind      string
		cost      int
	}{
		{"single may have to transcode a VP8 camera", lay(types.LayoutSpec{Layout: types.LayoutSingle, Participant: "a"}, hd), 16, KindTranscode, 45},
		{"speaker alone likewise", lay(types.LayoutSpec{Layout: types.LayoutSpeaker, Thumbnails: &no}, hd), 16, KindTranscode, 45},
		{"the default layout is speaker with thumbnails, at the room limit", lay(types.LayoutSpec{}, hd), 10, KindComposite, 65},
		{"grid at the room limit, measured", lay(grid, hd), 4, KindComposite, 40},
		{"grid at the room limit, interpolated", lay(grid, hd), 7, KindComposite, 49},
		{"grid past the last figure", lay(grid, hd), 16, KindComposite, 76},
		{"no room limit means 25 tiles", lay(grid, hd), 0, KindComposite, 103},
		{"a room limit over 25 shows 25 tiles", lay(grid, hd), 100, KindComposite, 103},
		{"a 1080p canvas costs more", lay(grid, types.VideoSpec{Width: 1920, Height: 1080, FPS: 30}), 4, KindComposite, 90},
		{"a smaller canvas costs no less", lay(grid, types.VideoSpec{Width: 640, Height: 360, FPS: 30}), 4, KindComposite, 40},
		{"a rendition adds its price", lay(grid, hd, vertical), 4, KindComposite, 70},
		{"a single with a rendition composes two canvases", lay(types.LayoutSpec{Layout: types.LayoutSingle, Participant: "a"}, hd, vertical), 4, KindComposite, 75},
		{"presentation: the stage and 4 cameras, or speaker while nobody shares", lay(types.LayoutSpec{Layout: types.LayoutPresentation}, hd), 16, KindComposite, 80},
		{"presentation in a small room", lay(types.LayoutSpec{Layout: types.LayoutPresentation}, hd), 2, KindComposite, 50},
		{"custom prices its regions as a grid", lay(regions(10), hd), 16, KindComposite, 58},
		{"custom regions are not capped by the room limit", lay(regions(4), hd), 2, KindComposite, 40},
	} {
		kind, cost := c.Price(tc.spec, tc.roomLimit)
		if kind != tc.kind || cost != tc.cost {
			t.Errorf("%s: %s %d, want %s %d", tc.name, kind, cost, tc.kind, tc.cost)
		}
	}
	if _, cost := (Costs{Composite: 50}).Price(lay(grid, hd), 4); cost != 50 {
		t.Errorf("a layout without figures: %d, want Composite (50)", cost)
	}
}

// TestPriceIgnoresTheRoom: an empty room prices as much as a full one.
func TestPriceIgnoresTheRoom(t *testing.T) {
	spec := types.Spec{Room: "r", LayoutSpec: types.LayoutSpec{Layout: types.LayoutGrid}}.WithDefaults()
	kind, cost := DefaultCosts.Price(spec, 16)
	if kind != KindComposite || cost <= DefaultCosts.Transcode {
		t.Errorf("grid for 16: %s %d, want a composite over the transcode price", kind, cost)
	}
}
