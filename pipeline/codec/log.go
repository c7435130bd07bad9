package codec

import (
	"log/slog"

	"github.com/asticode/go-astiav"
)

// SetLogLevel sets the level below which FFmpeg stays quiet; FFmpeg writes
// what passes to stderr. FFmpeg's log level is process-wide, so only main
// (or a TestMain) should call this, once. Above slog.LevelError FFmpeg is
// silent; its default is info.
func SetLogLevel(l slog.Level) {
	switch {
	case l > slog.LevelError:
		astiav.SetLogLevel(astiav.LogLevelQuiet)
	case l > slog.LevelWarn:
		astiav.SetLogLevel(astiav.LogLevelError)
	case l > slog.LevelInfo:
		astiav.SetLogLevel(astiav.LogLevelWarning)
	case l > slog.LevelDebug:
		astiav.SetLogLevel(astiav.LogLevelInfo)
	default:
		astiav.SetLogLevel(astiav.LogLevelDebug)
	}
}
