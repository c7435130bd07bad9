package codec

import (
	"log/slog"
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The garbage-input tests make FFmpeg complain on every unit.
	SetLogLevel(slog.LevelError + 1)
	if os.Getenv("CODEC_FFMPEG_LOG") != "" {
		SetLogLevel(slog.LevelInfo)
	}
	goleak.VerifyTestMain(m)
}

// requireFFmpeg fails the test when the ffmpeg CLI is missing: `make
// test` installs it.
func requireFFmpeg(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not on PATH (scripts/install-deps.sh installs it)", tool)
		}
	}
}
