package composite

import (
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/pipeline/codec"
	"github.com/roomcast/roomcast/pipeline/composite/overlay"
	"github.com/roomcast/roomcast/pipeline/composite/tile"
)

// uniform returns a w×h picture of one colour.
func uniform(w, h int, c color.Color) image.Image {
	p := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			p.Set(x, y, c)
		}
	}
	return p
}

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
)

// grey returns a w×h frame of luma y, neutral chroma.
func grey(w, h int, y byte) *codec.VideoFrame {
	f := codec.NewVideoFrame(w, h)
	for i := range f.Y {
		f.Y[i] = y
	}
	return f
}

// yuvAt returns the pixel of f at (x, y).
func yuvAt(f *codec.VideoFrame, x, y int) [3]byte {
	return [3]byte{f.Y[y*f.StrideY+x], f.U[y/2*f.StrideU+x/2], f.V[y/2*f.StrideV+x/2]}
}

// nearYUV reports whether two pixels differ by at most tol in each plane.
func nearYUV(a, b [3]byte, tol int) bool {
	for i := range a {
		if d := int(a[i]) - int(b[i]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

// over returns src over dst at alpha a, as overlay blends.
func over(src, dst [3]byte, a int) [3]byte {
	var out [3]byte
	for i := range out {
		out[i] = byte((int(src[i])*a + int(dst[i])*(255-a) + 127) / 255)
	}
	return out
}

func colorYUV(c overlay.Color) [3]byte {
	y, u, v := c.YUV()
	return [3]byte{y, u, v}
}

func TestBrandingValidate(t *testing.T) {
	logo := uniform(8, 8, red)
	cases := []struct {
		name string
		b    *Branding
		want string // "" valid, else part of the error
	}{
		{"none", nil, ""},
		{"all", &Branding{Background: logo, Logo: &Logo{Image: logo, Position: LogoBottomLeft, Scale: 0.3, Margin: 10},
			Title: &Title{Text: "Live", Position: TitleBottom, TextStyle: TextStyle{FontSize: 20, Color: "#fff", Background: "#00000080"}},
			Label: TextStyle{Color: "#ffcc00"}}, ""},
		{"logo without picture", &Branding{Logo: &Logo{}}, "logo: no picture"},
		{"logo corner", &Branding{Logo: &Logo{Image: logo, Position: "middle"}}, "logo position"},
		{"logo scale", &Branding{Logo: &Logo{Image: logo, Scale: 0.6}}, "logo scale"},
		{"logo margin", &Branding{Logo: &Logo{Image: logo, Margin: -1}}, "logo margin"},
		{"huge background", &Branding{Background: image.NewNRGBA(image.Rect(0, 0, 5000, 1))}, "background"},
		{"blank title", &Branding{Title: &Title{Text: "  "}}, "title: no text"},
		{"long title", &Branding{Title: &Title{Text: strings.Repeat("é", 121)}}, "121 characters"},
		{"title position", &Branding{Title: &Title{Text: "x", Position: "left"}}, "title position"},
		{"title colour", &Branding{Title: &Title{Text: "x", TextStyle: TextStyle{Color: "red"}}}, "title"},
		{"label size", &Branding{Label: TextStyle{FontSize: 500}}, "label: font size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := LayoutConfig{Branding: c.b}.withDefaults()
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("error %v, want one about %q", err, c.want)
			}
		})
	}
	if !(LayoutConfig{Branding: &Branding{Title: &Title{Text: "x"}}}).withDefaults().NoPassthrough {
		t.Error("a title left passthrough on")
	}
	if (LayoutConfig{Branding: &Branding{Background: logo}}).withDefaults().NoPassthrough {
		t.Error("a background picture alone turned passthrough off")
	}
}

// TestCanvasBranding draws two tiles under a translucent title bar and a
// logo on a background picture, then redraws one tile many times: the
// overlays stay, blended once, and the other tile is left alone.
func TestCanvasBranding(t *testing.T) {
	const w, h = 320, 180
	b := &Branding{
		Background: uniform(64, 36, green),
		Logo:       &Logo{Image: uniform(40, 20, red), Scale: 0.125, Margin: 8},
		Title:      &Title{Text: "Roomcast Live", TextStyle: TextStyle{FontSize: 16, Background: "#00000080"}},
		Label:      TextStyle{Color: "#ffffff", Background: "#0000ff"},
	}
	if err := (LayoutConfig{Branding: b}).withDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
	lk := b.look(w, h, w, h, overlay.Color{A: 255})
	c := newCanvas(w, h, overlay.Color{A: 255}, true, lk)
	defer c.close()
	bg := colorYUV(overlay.Color{G: 255, A: 255})
	if got := yuvAt(c.frame, 100, 170); !nearYUV(got, bg, 2) {
		t.Fatalf("empty canvas at (100,170) = %v, want the background picture's green %v", got, bg)
	}

	left, right := tile.Rect{X: 0, Y: 0, W: 160, H: 120}, tile.Rect{X: 160, Y: 0, W: 160, H: 120}
	pics := []picture{
		{tile: tile.Tile{Rect: left, Fit: tile.FitCover}, name: "Ann", frame: grey(64, 48, 200)},
		{tile: tile.Tile{Rect: right, Fit: tile.FitCover}, name: "Bob", frame: grey(64, 48, 200)},
	}
	if _, err := c.draw(pics); err != nil {
		t.Fatal(err)
	}
	bar := lk.overlays[0].rect()
	logo := lk.overlays[len(lk.overlays)-1].rect()
	if bar.Min != (image.Point{}) || bar.Dx() != w || bar.Dy() < 16 {
		t.Fatalf("title bar %v: want the canvas's width at the top", bar)
	}
	// The logo: 40 px wide (0.125 of 320), 20 high, 8 px from the right
	// edge and below the title bar.
	if want := image.Rect(272, bar.Max.Y+8, 312, bar.Max.Y+28); logo != want {
		t.Fatalf("logo at %v, want %v", logo, want)
	}
	// The bar's ends hold no text: grey 200 under half black.
	black := colorYUV(overlay.Color{A: 255})
	wantBar := over(black, [3]byte{200, 128, 128}, 128)
	check := func(when string, rightBar [3]byte) {
		t.Helper()
		for x, want := range map[int][3]byte{2: wantBar, 318: rightBar} {
			if got := yuvAt(c.frame, x, 2); !nearYUV(got, want, 1) {
				t.Fatalf("%s: title bar at (%d,2) = %v, want %v (blended once)", when, x, got, want)
			}
		}
		if got, want := yuvAt(c.frame, logo.Min.X+20, logo.Min.Y+10), colorYUV(overlay.Color{R: 255, A: 255}); !nearYUV(got, want, 2) {
			t.Fatalf("%s: logo centre = %v, want red %v", when, got, want)
		}
		if got := yuvAt(c.frame, 100, 170); !nearYUV(got, bg, 2) {
			t.Fatalf("%s: below the tiles = %v, want green %v", when, got, bg)
		}
		// Bob's label: blue background at the bottom left of his tile.
		if got, want := yuvAt(c.frame, 166, 114), colorYUV(overlay.Color{B: 255, A: 255}); !nearYUV(got, want, 2) {
			t.Fatalf("%s: Bob's label = %v, want blue %v", when, got, want)
		}
	}
	check("first draw", wantBar)
	for i := range 10 {
		pics[0].frame = grey(64, 48, 200) // a new frame for Ann only
		redraws := c.redraws
		if _, err := c.draw(pics); err != nil {
			t.Fatal(err)
		}
		if c.redraws != redraws+1 {
			t.Fatalf("redraw %d drew %d tiles, want Ann's alone", i, c.redraws-redraws)
		}
	}
	check("after Ann's redraws", wantBar)
	for range 3 {
		pics[1].frame = grey(64, 48, 200) // and now Bob, under the logo
		if _, err := c.draw(pics); err != nil {
			t.Fatal(err)
		}
	}
	check("after Bob's redraws", wantBar)

	// A picture that does not fill its tile leaves bars of the
	// background picture, not of the colour.
	pics[1].tile.Fit, pics[1].frame = tile.FitContain, grey(32, 120, 200)
	if _, err := c.draw(pics); err != nil {
		t.Fatal(err)
	}
	if got := yuvAt(c.frame, 170, 60); !nearYUV(got, bg, 2) {
		t.Fatalf("pillarbox bar = %v, want green %v", got, bg)
	}
	check("after a move", over(black, bg, 128))
}

// TestLookPlacement: each corner, a title bar pushing the logo, and a
// rendition scaling the margin and font sizes.
func TestLookPlacement(t *testing.T) {
	img := uniform(100, 50, red)
	title := &Title{Text: "T", Position: TitleBottom, TextStyle: TextStyle{FontSize: 20}}
	cases := []struct {
		pos        string
		title      *Title
		w, h       int
		want       image.Rectangle
		titleAbove int // the bar's top edge, when a title is set
	}{
		{LogoTopLeft, nil, 640, 360, image.Rect(24, 24, 24+76, 24+38), 0},
		{LogoTopRight, nil, 640, 360, image.Rect(640-24-76, 24, 640-24, 24+38), 0},
		{"", nil, 640, 360, image.Rect(640-24-76, 24, 640-24, 24+38), 0},
		{LogoBottomLeft, nil, 640, 360, image.Rect(24, 360-24-38, 24+76, 360-24), 0},
		{LogoBottomRight, title, 640, 360, image.Rect(640-24-76, 0, 640-24, 0), 1},
		// Half the main canvas: margin 12, width 0.12 of 320.
		{LogoTopLeft, nil, 320, 180, image.Rect(12, 12, 12+38, 12+20), 0},
	}
	for _, c := range cases {
		b := &Branding{Logo: &Logo{Image: img, Position: c.pos, Margin: 24}, Title: c.title}
		lk := b.look(c.w, c.h, 640, 360, overlay.Color{A: 255})
		got := lk.overlays[len(lk.overlays)-1].rect()
		want := c.want
		if c.title != nil {
			barTop := lk.overlays[0].rect().Min.Y
			if lk.overlays[0].rect().Max.Y != c.h || barTop > c.h-20 {
				t.Errorf("bottom title bar at %v", lk.overlays[0].rect())
			}
			want = image.Rect(want.Min.X, barTop-24-38, want.Max.X, barTop-24)
		}
		if got != want {
			t.Errorf("%q on %dx%d: logo at %v, want %v", c.pos, c.w, c.h, got, want)
		}
	}
	// A tall logo is held to half the canvas's height.
	lk := (&Branding{Logo: &Logo{Image: uniform(10, 100, red), Scale: 0.5}}).look(640, 360, 640, 360, overlay.Color{})
	if r := lk.overlays[0].rect(); r.Dy() != 180 || r.Dx() != 18 {
		t.Errorf("tall logo %v, want 18x180", r)
	}
	// Label sizes scale with the canvas; unset, they follow the tile.
	small := (&Branding{Label: TextStyle{FontSize: 20}}).look(320, 180, 640, 360, overlay.Color{})
	if s := small.labelStyle(100).Size; s != 10 {
		t.Errorf("label size on a half canvas %v, want 10", s)
	}
	if s := (&look{}).labelStyle(240).Size; s != 20 {
		t.Errorf("automatic label size for a 240 px tile %v, want 20", s)
	}
}

// TestCoverFrame: a background picture of another shape is cropped, not
// stretched: a wide picture loses its sides.
func TestCoverFrame(t *testing.T) {
	p := image.NewNRGBA(image.Rect(0, 0, 400, 100)) // red 120 | green 160 | red 120
	for y := range 100 {
		for x := range 400 {
			c := green
			if x < 120 || x >= 280 {
				c = red
			}
			p.Set(x, y, c)
		}
	}
	f := coverFrame(p, 160, 80, overlay.Color{A: 255}) // crops to the middle 200x100: 20 px of red each side
	g := colorYUV(overlay.Color{G: 255, A: 255})
	r := colorYUV(overlay.Color{R: 255, A: 255})
	for _, x := range []int{40, 80, 120} {
		if got := yuvAt(f, x, 40); !nearYUV(got, g, 2) {
			t.Errorf("(%d,40) = %v, want green %v", x, got, g)
		}
	}
	for _, x := range []int{2, 156} {
		if got := yuvAt(f, x, 40); !nearYUV(got, r, 2) {
			t.Errorf("(%d,40) = %v, want red %v (the crop's edges)", x, got, r)
		}
	}
	// Transparent parts show the canvas colour.
	f = coverFrame(image.NewNRGBA(image.Rect(0, 0, 16, 9)), 32, 18, overlay.Color{B: 255, A: 255})
	if got, want := yuvAt(f, 10, 10), colorYUV(overlay.Color{B: 255, A: 255}); got != want {
		t.Errorf("transparent background %v, want the colour %v", got, want)
	}
}
