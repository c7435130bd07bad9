package types

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

	"github.com/roomcast/roomcast/pipeline/composite/tile"
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

func TestSpecValidation(t *testing.T) {
	ok := func(string) error { return nil }
	base := Spec{Room: "r1", Outputs: OutputsSpec{RTMP: URLs("rtmp://a/b/c")}}
	cases := []struct {
		name  string
		edit  func(*Spec)
		field string
	}{
		{"room", func(s *Spec) { s.Room = "" }, "room"},
		{"layout", func(s *Spec) { s.Layout = "grid9" }, "layout"},
		{"single", func(s *Spec) { s.Layout = LayoutSingle }, "participant"},
		{"width", func(s *Spec) { s.Video.Width = 3840 }, "video.width"},
		{"height", func(s *Spec) { s.Video.Height = 1081 }, "video.height"},
		{"fps", func(s *Spec) { s.Video.FPS = 120 }, "video.fps"},
		{"outputs", func(s *Spec) { s.Outputs.RTMP = nil }, "outputs"},
		{"canvas over 1920x1080", func(s *Spec) { s.Video.Width, s.Video.Height = 1920, 1200 }, "video"},
		{"portrait canvas over 1080x1920", func(s *Spec) { s.Video.Width, s.Video.Height = 1200, 1920 }, "video"},
		{"fps over 60", func(s *Spec) { s.Video.FPS = 61 }, "video.fps"},
		{"background", func(s *Spec) { s.Video.Background = "teal" }, "video.background"},
		{"fit", func(s *Spec) { s.Layout, s.Fit = LayoutGrid, "stretch" }, "fit"},
		{"custom without regions", func(s *Spec) { s.Layout = LayoutCustom }, "regions"},
		{"regions without custom", func(s *Spec) { s.Layout, s.Regions = LayoutGrid, []tile.Region{{W: 1, H: 1, Source: "next"}} }, "regions"},
		{"region off the canvas", func(s *Spec) {
			s.Layout, s.Regions = LayoutCustom, []tile.Region{{X: 1000, Y: 0, W: 400, H: 300, Source: "next"}}
		}, "regions[0].w"},
		{"regions overlapping without z", func(s *Spec) {
			s.Layout, s.Regions = LayoutCustom, []tile.Region{{W: 0.6, H: 1, Source: "next"}, {X: 0.5, W: 0.5, H: 1, Source: "next"}}
		}, "regions[1].z"},
		{"26 regions", func(s *Spec) {
			s.Layout = LayoutCustom
			for i := range 26 {
				s.Regions = append(s.Regions, tile.Region{X: float64(i * 40), W: 40, H: 40, Source: "next"})
			}
		}, "regions"},
		{"canvas name", func(s *Spec) { s.Canvases = []CanvasSpec{{Name: "main", Width: 720, Height: 1280}} }, "canvases[0].name"},
		{"canvas size", func(s *Spec) { s.Canvases = []CanvasSpec{{Name: "v", Width: 1080, Height: 2000}} }, "canvases[0].height"},
		{"canvas layout", func(s *Spec) {
			s.Canvases = []CanvasSpec{{Name: "v", Width: 720, Height: 1280, LayoutSpec: LayoutSpec{Layout: "mosaic"}}}
		}, "canvases[0].layout"},
		{"unknown canvas in an output", func(s *Spec) { s.Outputs.RTMP = []Target{{URL: "rtmp://a/b/c", Canvas: "vertical"}} }, "outputs.rtmp[0].canvas"},
		{"unknown canvas in the record", func(s *Spec) { s.Outputs.Record = &RecordSpec{SegmentSeconds: 4, Canvas: "v"} }, "outputs.record.canvas"},
		{"placeholder time", func(s *Spec) { s.PlaceholderAfterSeconds = -1 }, "placeholder_after_seconds"},
	}
	for _, tc := range cases {
		s := base.WithDefaults()
		tc.edit(&s)
		var fe *FieldError
		if err := s.Validate(ok); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: err = %v, want field %s", tc.name, err, tc.field)
		}
	}
	bad := base.WithDefaults()
	bad.Outputs.RTMP = URLs("rtmp://a/b/c", "http://x")
	var fe *FieldError
	if err := bad.Validate(func(u string) error {
		if !strings.HasPrefix(u, "rtmp") {
			return errors.New("scheme must be rtmp or rtmps")
		}
		return nil
	}); !errors.As(err, &fe) || fe.Field != "outputs.rtmp[1]" {
		t.Errorf("url: err = %v", err)
	}
	if err := base.WithDefaults().Validate(ok); err != nil {
		t.Errorf("valid spec: %v", err)
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
		})
	}
}
