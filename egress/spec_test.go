package egress

import (
	"errors"
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
