package synth

import (
	"log/slog"
	"testing"
	"time"

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

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newDiscardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
