package egress

import (
	"bytes"
	"encoding/json"
	"errors"
)

// Target is one RTMP destination: its URL (with the stream key: never
// shown) and the canvas it takes ("" the main one). In JSON a target is
// either the bare URL string or {"url": …, "canvas": …}.
type Target struct {
	URL    string `json:"url"`
	Canvas string `json:"canvas,omitempty"`
}

// UnmarshalJSON reads a URL string or a target object.
func (t *Target) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*t = Target{}
		return json.Unmarshal(b, &t.URL)
	}
	if len(b) == 0 || b[0] != '{' {
		return errors.New("want a URL string or an object {\"url\", \"canvas\"}")
	}
	type plain Target
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*t = Target(p)
	return nil
}

// MarshalJSON writes a target on the main canvas as its URL string, so
// stored jobs read the same before and after renditions.
func (t Target) MarshalJSON() ([]byte, error) {
	if t.Canvas == "" {
		return json.Marshal(t.URL)
	}
	type plain Target
	return json.Marshal(plain(t))
}

// URLs makes main-canvas targets of URLs.
func URLs(urls ...string) []Target {
	out := make([]Target, len(urls))
	for i, u := range urls {
		out[i] = Target{URL: u}
	}
	return out
}
