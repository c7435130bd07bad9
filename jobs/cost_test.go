package jobs

import (
	"testing"

	"github.com/roomcast/roomcast/egress"
)

func TestClassify(t *testing.T) {
	h264 := RoomVideo{Participant: "alice", Codec: "H264"}
	vp8 := RoomVideo{Participant: "bob", Codec: "VP8"}
	layout := func(l, p string) egress.Spec {
		return egress.Spec{LayoutSpec: egress.LayoutSpec{Layout: l, Participant: p}}
	}
	speaker := layout(egress.LayoutSpeaker, "")
	single := func(p string) egress.Spec { return layout(egress.LayoutSingle, p) }
	for _, c := range []struct {
		name   string
		spec   egress.Spec
		videos []RoomVideo
		want   string
	}{
		{"empty room", speaker, nil, KindPassthrough},
		{"one H.264", speaker, []RoomVideo{h264}, KindPassthrough},
		{"one VP8", speaker, []RoomVideo{vp8}, KindTranscode},
		{"speaker over two", speaker, []RoomVideo{h264, vp8}, KindComposite},
		{"single H.264 among two", single("alice"), []RoomVideo{h264, vp8}, KindPassthrough},
		{"single VP8 among two", single("bob"), []RoomVideo{h264, vp8}, KindTranscode},
		{"grid of one H.264", layout(egress.LayoutGrid, ""), []RoomVideo{h264}, KindComposite},
		{"presentation of an empty room", layout(egress.LayoutPresentation, ""), nil, KindComposite},
		{"custom", layout(egress.LayoutCustom, ""), []RoomVideo{vp8}, KindComposite},
		{"single H.264 with a title", egress.Spec{LayoutSpec: egress.LayoutSpec{Layout: egress.LayoutSingle, Participant: "alice"},
			Branding: &egress.BrandingSpec{Title: &egress.TitleSpec{Text: "Live"}}}, []RoomVideo{h264}, KindTranscode},
	} {
		if got := Classify(c.spec, c.videos); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
	if DefaultCosts.Of(KindTranscode) != 45 || (Costs{Passthrough: 1, Transcode: 2, Composite: 3}).Of("unknown") != 3 {
		t.Error("costs by kind")
	}
}

func TestCompositePrice(t *testing.T) {
	c := Costs{Passthrough: 10, Transcode: 45, Composite: 50, Rendition: 30,
		Tiles: map[string]TileCosts{egress.LayoutGrid: {2: 35, 4: 40, 10: 58}}}
	grid := func(w, h, fps int) egress.Spec {
		return egress.Spec{LayoutSpec: egress.LayoutSpec{Layout: egress.LayoutGrid}, Video: egress.VideoSpec{Width: w, Height: h, FPS: fps}}
	}
	hd := grid(1280, 720, 30)
	withVertical := hd
	withVertical.Canvases = []egress.CanvasSpec{{Name: "v", Width: 720, Height: 1280}}
	custom := hd
	custom.Layout = egress.LayoutCustom
	for _, tc := range []struct {
		name   string
		spec   egress.Spec
		videos int
		want   int
	}{
		{"an empty room prices two tiles", hd, 0, 35},
		{"measured", hd, 4, 40},
		{"interpolated", hd, 7, 49},
		{"past the last figure", hd, 16, 76},
		{"capped at 25 tiles", hd, 40, 103},
		{"a 1080p canvas costs more", grid(1920, 1080, 30), 4, 90},
		{"a smaller canvas does not cost less", grid(640, 360, 30), 4, 40},
		{"a rendition adds its price", withVertical, 4, 70},
		{"custom prices like a grid", custom, 10, 58},
		{"a layout without figures takes Composite", egress.Spec{LayoutSpec: egress.LayoutSpec{Layout: egress.LayoutSpeaker}, Video: hd.Video}, 3, 50},
	} {
		if got := c.Price(KindComposite, tc.spec, tc.videos); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := c.Price(KindPassthrough, hd, 1); got != 10 {
		t.Errorf("passthrough: %d, want 10", got)
	}
}
