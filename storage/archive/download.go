package archive

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/roomcast/roomcast/pipeline/remux"
)

// ErrNoSegments is returned by MP4 for a recording without segments yet.
var ErrNoSegments = errors.New("recording has no segments yet")

// MP4 lays out the recording as one progressive, faststart MP4 whose
// bytes are read from the stored segments on demand (see remux.File).
func (c *Catalog) MP4(ctx context.Context, m *Manifest) (*remux.File, error) {
	if len(m.Segments) == 0 {
		return nil, fmt.Errorf("recording %s: %w", m.ID, ErrNoSegments)
	}
	segs := make([]remux.Segment, len(m.Segments))
	for i, s := range m.Segments {
		segs[i] = remux.Segment{Name: s.Name, Init: s.Init}
	}
	fetch := func(ctx context.Context, name string) (io.ReadCloser, error) { return c.Open(ctx, m, name) }
	f, err := remux.Build(ctx, segs, fetch)
	if err != nil {
		return nil, fmt.Errorf("recording %s: mp4: %w", m.ID, err)
	}
	return f, nil
}
