package rawrec

import (
	"errors"
	"log/slog"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// Errors.
var (
	ErrInvalidConfig = errors.New("invalid rawrec config")
	ErrClosed        = errors.New("recorder closed")
	errBadUnit       = errors.New("malformed unit")
)

// Defaults and limits.
const (
	DefaultPartDuration = 60 * time.Second
	// maxUnitSize bounds one access unit; bigger units are dropped.
	maxUnitSize = 16 << 20
	// partialSuffix marks a part still being written.
	partialSuffix = ".partial"
)

// Config configures a Recorder.
type Config struct {
	// Dir is the local working directory for the files being written
	// (created if missing).
	Dir string
	// PartDuration rotates each track's file into a new part after this
	// much media (cut at a video keyframe, audio anywhere); default
	// DefaultPartDuration. It bounds what a crash loses.
	PartDuration time.Duration
	// OnFile is called, from the goroutine calling Unit, TrackRemoved or
	// Close, when a part is closed and complete on disk (fsynced). The
	// callee owns the file and may move it away. It must not call back
	// into the Recorder for the same track.
	OnFile func(File)
	// OnLost, when set, is called (like OnFile) when a track loses media
	// to a file error: a part that could not be closed is lost whole, and
	// a part that could not be opened loses the track's media until one
	// opens (reported once per such spell).
	OnLost func(trackID string, err error)
	Logger *slog.Logger // nil discards logs
}

// File is one closed part of one track.
type File struct {
	Path string // local path of the closed file
	// Name is the relative object name:
	// "{participant}/{trackID}-{part:04d}.{mp4|webm|ogg}", sanitised.
	Name        string
	Participant string
	TrackID     string
	Codec       media.Codec
	Start       time.Duration // PTS of its first unit on the common clock
	Duration    time.Duration
	Size        int64
}

// Stats counts what a Recorder wrote and dropped.
type Stats struct {
	Files   int64 // parts closed and handed over
	Bytes   int64 // bytes of those parts
	Units   int64 // units written
	Dropped int64 // units dropped: before a keyframe, malformed, out of order, write errors
	Errors  int64 // file errors (create, write, sync, rename)
}

func (c Config) withDefaults() Config {
	if c.PartDuration <= 0 {
		c.PartDuration = DefaultPartDuration
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	if c.Dir == "" {
		return errors.Join(ErrInvalidConfig, errors.New("Dir is empty"))
	}
	return nil
}
