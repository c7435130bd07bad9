package egress

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/pipeline/composite"
)

// pngBase64 returns a w×h PNG of one colour, base64.
func pngBase64(t *testing.T, w, h int, c color.NRGBA) string {
	t.Helper()
	p := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(p.Pix); i += 4 {
		p.Pix[i], p.Pix[i+1], p.Pix[i+2], p.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, p); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

// TestBrandingCompositor: a branding that passes the request's checks
// (api/types) converts to one the compositor takes.
func TestBrandingCompositor(t *testing.T) {
	logo := pngBase64(t, 32, 16, color.NRGBA{255, 0, 0, 200})
	intp := func(n int) *int { return &n }
	for name, b := range map[string]BrandingSpec{
		"everything": {
			Label:           &TextStyleSpec{FontSize: 18, Color: "#ffcc00", Background: "#00000000"},
			Logo:            &LogoSpec{PNGBase64: logo, Position: "bottom-left", Scale: 0.5, Margin: intp(0)},
			BackgroundImage: &ImageSpec{PNGBase64: "data:image/png;base64," + pngBase64(t, 16, 9, color.NRGBA{0, 255, 0, 255})},
			Title:           &TitleSpec{Text: strings.Repeat("é", 120), Position: "bottom", TextStyleSpec: TextStyleSpec{Color: "#fff", Background: "#1e3a8acc", FontSize: 6}},
		},
		"wrapped base64": {Logo: &LogoSpec{PNGBase64: logo[:20] + "\n" + logo[20:]}},
		"labels off":     {Labels: new(bool)},
	} {
		t.Run(name, func(t *testing.T) {
			s := Spec{Room: "r1", Branding: &b, Outputs: OutputsSpec{Record: &RecordSpec{}}}.WithDefaults()
			if err := s.Validate(func(string) error { return nil }); err != nil {
				t.Fatalf("valid spec refused: %v", err)
			}
			c, err := brandingCompositor(s.Branding)
			if err != nil {
				t.Fatalf("compositor: %v", err)
			}
			if _, err := composite.NewLayout(composite.LayoutConfig{Branding: c}); err != nil {
				t.Fatalf("compositor refuses it: %v", err)
			}
		})
	}
}

// TestBrandingJSON decodes a request's branding as the API does (unknown
// fields refused) and converts it with its defaults.
func TestBrandingJSON(t *testing.T) {
	in := `{"labels":true,"label":{"font_size":20,"color":"#ffffff","background":"#000000aa"},
		"logo":{"png_base64":"` + pngBase64(t, 8, 8, color.NRGBA{255, 0, 0, 255}) + `","position":"top-left"},
		"title":{"text":"Roomcast Live","position":"bottom","color":"#ffcc00","font_size":30}}`
	dec := json.NewDecoder(strings.NewReader(in))
	dec.DisallowUnknownFields()
	var b BrandingSpec
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	s := Spec{Room: "r1", Branding: &b, Outputs: OutputsSpec{Record: &RecordSpec{}}}.WithDefaults()
	if err := s.Validate(func(string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	c, err := brandingCompositor(&b)
	if err != nil {
		t.Fatal(err)
	}
	if c.Logo == nil || c.Logo.Margin != DefaultLogoMargin || c.Logo.Position != "top-left" || c.Logo.Image.Bounds().Dx() != 8 {
		t.Errorf("logo %+v, want top-left with the default margin", c.Logo)
	}
	wantTitle := composite.Title{Text: "Roomcast Live", Position: "bottom", TextStyle: composite.TextStyle{FontSize: 30, Color: "#ffcc00"}}
	if c.Title == nil || *c.Title != wantTitle {
		t.Errorf("title %+v, want %+v", c.Title, wantTitle)
	}
	if want := (composite.TextStyle{FontSize: 20, Color: "#ffffff", Background: "#000000aa"}); c.Label != want {
		t.Errorf("label %+v, want %+v", c.Label, want)
	}
	if c.Background != nil || !b.Overlays() || !b.ShowLabels() {
		t.Errorf("background %v, overlays %v, labels %v", c.Background, b.Overlays(), b.ShowLabels())
	}
	if (&BrandingSpec{BackgroundImage: &ImageSpec{}}).Overlays() || (*BrandingSpec)(nil).Overlays() {
		t.Error("a background alone draws over the picture")
	}
}
