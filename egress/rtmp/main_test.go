package rtmp

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/roomcast/roomcast/test/testutil"
)

func TestMain(m *testing.M) {
	testutil.MainWithTempDir(m, "rtmp-fixture-", func(dir string) { fixtureDir = dir })
}

// logBuffer collects everything the output logs, at every level.
type logBuffer struct{ testutil.SyncBuffer }

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// assertNoKey fails if any text contains the key or its distinctive part.
func assertNoKey(t *testing.T, key string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, key) {
			t.Errorf("stream key leaked into %q", s)
		}
	}
}

func mustTarget(t testing.TB, raw string) Target {
	t.Helper()
	tg, err := ParseTarget(raw)
	if err != nil {
		t.Fatalf("ParseTarget: %v", err)
	}
	return tg
}
