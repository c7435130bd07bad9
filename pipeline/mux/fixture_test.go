package mux

import (
	"testing"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// fixture is 10 s of real H.264 and AAC made by the ffmpeg CLI.
type fixture struct {
	video, audio *media.Track
	units        []*media.Unit // in DTS order
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	f := mediafixture.Load(t)
	return &fixture{video: f.Video, audio: f.Audio, units: f.Units}
}
