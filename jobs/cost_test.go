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
	if DefaultCosts.Of(KindTranscode) != 45 || (Costs{1, 2, 3}).Of("unknown") != 3 {
		t.Error("costs by kind")
	}
}
