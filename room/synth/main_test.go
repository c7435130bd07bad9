package synth

import (
	"log/slog"
	"testing"

	"github.com/roomcast/roomcast/test/testutil"
)

// testCacheDir is shared by the package's tests so each clip is encoded once.
var testCacheDir string

func TestMain(m *testing.M) {
	testutil.MainWithTempDir(m, "synth-test-", func(dir string) { testCacheDir = dir })
}

// logBuffer collects log output, safe for concurrent writers, so tests can
// check that the token never shows up.
type logBuffer struct{ testutil.SyncBuffer }

func newTestLogger() (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

func newDiscardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
