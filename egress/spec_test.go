package egress

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
)

func TestSpecRecordValidation(t *testing.T) {
	ok := func(string) error { return nil }
	base := func() Spec { return Spec{Room: "r1"} }
	cases := []struct {
		name  string
		spec  func() Spec
		field string // "" when valid
	}{
		{"record only", func() Spec { s := base(); s.Outputs.Record = &RecordSpec{}; return s }, ""},
		{"raw tracks", func() Spec { s := base(); s.Outputs.Record = &RecordSpec{Tracks: "raw"}; return s }, ""},
		{"no outputs", base, "outputs"},
		{"segment too long", func() Spec { s := base(); s.Outputs.Record = &RecordSpec{SegmentSeconds: 31}; return s }, "outputs.record.segment_seconds"},
		{"segment too short", func() Spec { s := base(); s.Outputs.Record = &RecordSpec{SegmentSeconds: 0.5}; return s }, "outputs.record.segment_seconds"},
		{"unknown tracks", func() Spec { s := base(); s.Outputs.Record = &RecordSpec{Tracks: "all"}; return s }, "outputs.record.tracks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.spec().WithDefaults()
			err := s.Validate(ok)
			var fe *FieldError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("valid spec refused: %v", err)
			case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field):
				t.Fatalf("error %v, want one naming %s", err, c.field)
			}
			if c.field == "" && s.Outputs.Record.SegmentSeconds != 4 {
				t.Errorf("default segment_seconds %v, want 4", s.Outputs.Record.SegmentSeconds)
			}
		})
	}
}

func TestTargetJSON(t *testing.T) {
	var o OutputsSpec
	in := `{"rtmp":["rtmp://a/app/k1",{"url":"rtmp://b/app/k2","canvas":"vertical"},{"url":"rtmp://c/app/k3","max_retry_seconds":90}]}`
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	want := []Target{{URL: "rtmp://a/app/k1"}, {URL: "rtmp://b/app/k2", Canvas: "vertical"}, {URL: "rtmp://c/app/k3", MaxRetrySeconds: 90}}
	if !reflect.DeepEqual(o.RTMP, want) {
		t.Fatalf("targets %+v, want %+v", o.RTMP, want)
	}
	b, err := json.Marshal(o)
	if err != nil || string(b) != in {
		t.Errorf("marshal = %s, %v; want %s (a main-canvas target stays a string)", b, err, in)
	}
	for _, bad := range []string{`{"rtmp":[3]}`, `{"rtmp":[{"url":1}]}`, `{"rtmp":[null]}`, `{"rtmp":[[]]}`} {
		if err := json.Unmarshal([]byte(bad), &o); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// TestTargetValidation: max_retry_seconds is 0 (no limit) to a day, and
// an error names it by the target's field.
func TestTargetValidation(t *testing.T) {
	ok := func(string) error { return nil }
	for _, tc := range []struct {
		secs  float64
		field string // "" when valid
	}{{0, ""}, {0.5, ""}, {MaxRetrySeconds, ""}, {-1, "add_rtmp[2].max_retry_seconds"}, {MaxRetrySeconds + 1, "add_rtmp[2].max_retry_seconds"}} {
		err := Target{URL: "rtmp://a/app/k", MaxRetrySeconds: tc.secs}.Validate("add_rtmp[2]", ok)
		var fe *FieldError
		if tc.field == "" && err != nil || tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field) {
			t.Errorf("max_retry_seconds %v: %v, want field %q", tc.secs, err, tc.field)
		}
	}
	if got := (Target{MaxRetrySeconds: 1.5}).MaxRetry(); got != 1500*time.Millisecond {
		t.Errorf("MaxRetry = %v", got)
	}
	bad := func(string) error { return errors.New("unsupported scheme") }
	var fe *FieldError
	if err := (Target{URL: "http://x"}).Validate("outputs.rtmp[0]", bad); !errors.As(err, &fe) || fe.Field != "outputs.rtmp[0]" {
		t.Errorf("bad URL: %v", err)
	}
	spec := Spec{Room: "r1", Outputs: OutputsSpec{RTMP: []Target{{URL: "rtmp://a/app/k", MaxRetrySeconds: -3}}}}.WithDefaults()
	if err := spec.Validate(ok); !errors.As(err, &fe) || fe.Field != "outputs.rtmp[0].max_retry_seconds" {
		t.Errorf("spec with a negative max_retry_seconds: %v", err)
	}
}

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

func TestSpecBrandingValidation(t *testing.T) {
	logo := pngBase64(t, 32, 16, color.NRGBA{255, 0, 0, 200})
	b64 := base64.StdEncoding.EncodeToString
	bigPNG := b64(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1363149-8)...)) // 1.3 MB
	brokenPNG := b64([]byte("\x89PNG\r\n\x1a\nnot really"))
	gif := b64([]byte("GIF89a\x01\x00\x01\x00"))
	intp := func(n int) *int { return &n }
	cases := []struct {
		name     string
		branding BrandingSpec
		field    string // "" when valid
		reason   string // part of the reason
	}{
		{"everything", BrandingSpec{
			Label:           &TextStyleSpec{FontSize: 18, Color: "#ffcc00", Background: "#00000000"},
			Logo:            &LogoSpec{PNGBase64: logo, Position: "bottom-left", Scale: 0.5, Margin: intp(0)},
			BackgroundImage: &ImageSpec{PNGBase64: "data:image/png;base64," + pngBase64(t, 16, 9, color.NRGBA{0, 255, 0, 255})},
			Title:           &TitleSpec{Text: strings.Repeat("é", 120), Position: "bottom", TextStyleSpec: TextStyleSpec{Color: "#fff", Background: "#1e3a8acc", FontSize: 6}},
		}, "", ""},
		{"wrapped base64", BrandingSpec{Logo: &LogoSpec{PNGBase64: logo[:20] + "\n" + logo[20:]}}, "", ""},
		{"logo not base64", BrandingSpec{Logo: &LogoSpec{PNGBase64: "iVBOR%%%"}}, "branding.logo.png_base64", "not base64"},
		{"logo not a PNG", BrandingSpec{Logo: &LogoSpec{PNGBase64: gif}}, "branding.logo.png_base64", "not a PNG"},
		{"logo over 1 MB", BrandingSpec{Logo: &LogoSpec{PNGBase64: bigPNG}}, "branding.logo.png_base64", "1.3 MB, over the 1 MB limit"},
		{"logo broken", BrandingSpec{Logo: &LogoSpec{PNGBase64: brokenPNG}}, "branding.logo.png_base64", "broken PNG"},
		{"logo missing", BrandingSpec{Logo: &LogoSpec{Position: "top-left"}}, "branding.logo.png_base64", "required"},
		{"logo position", BrandingSpec{Logo: &LogoSpec{PNGBase64: logo, Position: "center"}}, "branding.logo.position", "center"},
		{"logo too small", BrandingSpec{Logo: &LogoSpec{PNGBase64: logo, Scale: 0.01}}, "branding.logo.scale", "0.02 and 0.5"},
		{"logo too big", BrandingSpec{Logo: &LogoSpec{PNGBase64: logo, Scale: 0.6}}, "branding.logo.scale", "0.02 and 0.5"},
		{"logo margin", BrandingSpec{Logo: &LogoSpec{PNGBase64: logo, Margin: intp(-1)}}, "branding.logo.margin", "between 0"},
		{"background not a PNG", BrandingSpec{BackgroundImage: &ImageSpec{PNGBase64: gif}}, "branding.background_image.png_base64", "not a PNG"},
		{"background over 1 MB", BrandingSpec{BackgroundImage: &ImageSpec{PNGBase64: bigPNG}}, "branding.background_image.png_base64", "over the 1 MB limit"},
		{"title without text", BrandingSpec{Title: &TitleSpec{Text: " "}}, "branding.title.text", "required"},
		{"title too long", BrandingSpec{Title: &TitleSpec{Text: strings.Repeat("x", 121)}}, "branding.title.text", "121 characters"},
		{"title position", BrandingSpec{Title: &TitleSpec{Text: "Live", Position: "left"}}, "branding.title.position", "left"},
		{"title colour", BrandingSpec{Title: &TitleSpec{Text: "Live", TextStyleSpec: TextStyleSpec{Color: "white"}}}, "branding.title.color", "#RRGGBB"},
		{"title background", BrandingSpec{Title: &TitleSpec{Text: "Live", TextStyleSpec: TextStyleSpec{Background: "#12345"}}}, "branding.title.background", "#RRGGBB"},
		{"title font size", BrandingSpec{Title: &TitleSpec{Text: "Live", TextStyleSpec: TextStyleSpec{FontSize: 300}}}, "branding.title.font_size", "6 and 200"},
		{"label colour", BrandingSpec{Label: &TextStyleSpec{Color: "#gggggg"}}, "branding.label.color", "hexadecimal"},
		{"label background", BrandingSpec{Label: &TextStyleSpec{Background: "black"}}, "branding.label.background", "#RRGGBB"},
		{"label font size", BrandingSpec{Label: &TextStyleSpec{FontSize: 3}}, "branding.label.font_size", "6 and 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Spec{Room: "r1", Branding: &c.branding, Outputs: OutputsSpec{Record: &RecordSpec{}}}.WithDefaults()
			err := s.Validate(func(string) error { return nil })
			var fe *FieldError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("valid spec refused: %v", err)
			case c.field != "" && (!errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Reason, c.reason)):
				t.Fatalf("error %v, want one naming %s saying %q", err, c.field, c.reason)
			}
			if c.field != "" {
				return
			}
			// What passes converts to a branding the compositor takes.
			b, err := s.Branding.compositor()
			if err != nil {
				t.Fatalf("compositor: %v", err)
			}
			if _, err := composite.NewLayout(composite.LayoutConfig{Branding: b}); err != nil {
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
	if err := b.validate(); err != nil {
		t.Fatal(err)
	}
	c, err := b.compositor()
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
