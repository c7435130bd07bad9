package types

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Target is one RTMP destination: its URL (with the stream key: never
// shown), the canvas it takes ("" the main one) and how long it may stay
// down before it is given up (0: as long as the job runs). In JSON a
// target is either the bare URL string or
// {"url": …, "canvas": …, "max_retry_seconds": …}.
type Target struct {
	URL             string  `json:"url"`
	Canvas          string  `json:"canvas,omitempty"`
	MaxRetrySeconds float64 `json:"max_retry_seconds,omitempty"`
}

// MaxRetrySeconds bounds a target's max_retry_seconds: a day.
const MaxRetrySeconds = 24 * 60 * 60

// UnmarshalJSON reads a URL string or a target object.
func (t *Target) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*t = Target{}
		return json.Unmarshal(b, &t.URL)
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("want a URL string or an object {\"url\", \"canvas\", \"max_retry_seconds\"}")
	}
	type plain Target
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Target(p)
	return nil
}

// MarshalJSON writes a plain target (main canvas, no retry limit) as its
// URL string, so stored jobs read the same before and after renditions.
func (t Target) MarshalJSON() ([]byte, error) {
	if t.Canvas == "" && t.MaxRetrySeconds == 0 {
		return json.Marshal(t.URL)
	}
	type plain Target
	return json.Marshal(plain(t))
}

// Validate checks the target, naming its fields under field (say
// "outputs.rtmp[0]"); parseURL validates the URL (egress/rtmp.ParseTarget).
func (t Target) Validate(field string, parseURL func(string) error) error {
	if err := parseURL(t.URL); err != nil {
		return &FieldError{field, err.Error()}
	}
	if s := t.MaxRetrySeconds; s < 0 || s > MaxRetrySeconds {
		return &FieldError{field + ".max_retry_seconds", fmt.Sprintf("must be between 0 (retry while the job runs) and %d", MaxRetrySeconds)}
	}
	return nil
}

// MaxRetry is how long the target may stay down; 0: no limit.
func (t Target) MaxRetry() time.Duration {
	return time.Duration(t.MaxRetrySeconds * float64(time.Second))
}

// URLs makes main-canvas targets of URLs.
func URLs(urls ...string) []Target {
	out := make([]Target, len(urls))
	for i, u := range urls {
		out[i] = Target{URL: u}
	}
	return out
}
