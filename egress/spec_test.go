package egress

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
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
	in := `{"rtmp":["rtmp://a/app/k1",{"url":"rtmp://b/app/k2","canvas":"vertical"}]}`
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	want := []Target{{URL: "rtmp://a/app/k1"}, {URL: "rtmp://b/app/k2", Canvas: "vertical"}}
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
