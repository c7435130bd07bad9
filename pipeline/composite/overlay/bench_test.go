package overlay

import (
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
)

func BenchmarkPlaceholder1280x720(b *testing.B) {
	for b.Loop() {
		Placeholder(1280, 720, "Ada Lovelace")
	}
}

// label200x60 returns a name label scaled to exactly 200×60: white
// text on background (none when its A is 0: antialiased edges over
// transparency, the costlier case).
func label200x60(b *testing.B, background Color) *Image {
	st := TextStyle{Size: 32, Color: Color{255, 255, 255, 255}, Background: background, Padding: 12}
	im := Text("Ada Lovelace", st, 0).Scaled(200, 60)
	if im == nil {
		b.Fatal("no label")
	}
	return im
}

func BenchmarkBlendLabel200x60(b *testing.B) {
	for _, tc := range []struct {
		name string
		bg   Color
	}{{"background", Color{0, 0, 0, 150}}, {"no background", Color{}}} {
		b.Run(tc.name, func(b *testing.B) {
			im := label200x60(b, tc.bg)
			f := codec.NewVideoFrame(1280, 720)
			for b.Loop() {
				im.Blend(f, 40, 640)
			}
		})
	}
}

func BenchmarkText(b *testing.B) {
	st := TextStyle{Size: 24, Color: Color{255, 255, 255, 255}, Background: Color{0, 0, 0, 150}, Padding: 8}
	for b.Loop() {
		Text("Ada Lovelace (host)", st, 400)
	}
}

func BenchmarkFill1280x720(b *testing.B) {
	f := codec.NewVideoFrame(1280, 720)
	for b.Loop() {
		Fill(f, 0, 0, 1280, 720, Color{10, 20, 30, 255})
	}
}
