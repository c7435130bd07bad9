package rtmp

import (
	"context"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Source is the output's reader of the job's stream; pipeline/fanout's
// *Reader satisfies it.
type Source interface {
	// Read blocks for the next unit; io.EOF ends the stream.
	Read(ctx context.Context) (*media.Unit, error)
	// Tracks describes the tracks the units belong to.
	Tracks() []*media.Track
	// Reset restarts the reader at the next keyframe, with fresh Tracks.
	Reset()
}
