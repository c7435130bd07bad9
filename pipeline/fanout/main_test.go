package fanout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testTracks returns an H.264 video track and an AAC audio track.
func testTracks() (video, audio *media.Track) {
	video = &media.Track{
		ID: "v", Kind: media.KindVideo, Codec: media.CodecH264, ClockRate: 90000,
		Width: 1280, Height: 720, FPS: 30,
		Config: []byte{0, 0, 0, 1, 0x67, 0x42, 0, 0x1f, 0, 0, 0, 1, 0x68, 0xce},
	}
	audio = &media.Track{
		ID: "a", Kind: media.KindAudio, Codec: media.CodecAAC, ClockRate: 48000,
		SampleRate: 48000, Channels: 2, Config: []byte{0x11, 0x90},
	}
	return video, audio
}

// script builds units from letters: K a video keyframe, P a video
// non-keyframe, A an audio unit. Units are numbered in PTS from first on.
func script(video, audio *media.Track, first int, s string) []*media.Unit {
	var us []*media.Unit
	for i, c := range strings.ReplaceAll(s, " ", "") {
		u := &media.Unit{PTS: time.Duration(first + i), DTS: time.Duration(first + i)}
		switch c {
		case 'K':
			u.Track, u.Key = video, true
		case 'P':
			u.Track = video
		case 'A':
			u.Track, u.Key = audio, true
		default:
			panic(fmt.Sprintf("script: bad letter %q", c))
		}
		u.Data = []byte{byte(c)}
		us = append(us, u)
	}
	return us
}

// label names a unit the way script spells it, with its number: "K3".
func label(u *media.Unit) string {
	return fmt.Sprintf("%c%d", u.Data[0], int(u.PTS))
}

func labels(us []*media.Unit) string {
	s := make([]string, len(us))
	for i, u := range us {
		s[i] = label(u)
	}
	return strings.Join(s, " ")
}

func writeAll(f *Fanout, us []*media.Unit) {
	for _, u := range us {
		f.Write(u)
	}
}

// readN reads n units, failing the test on an error or after a timeout.
func readN(t *testing.T, r *Reader, n int) []*media.Unit {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	us := make([]*media.Unit, 0, n)
	for range n {
		u, err := r.Read(ctx)
		if err != nil {
			t.Fatalf("read %d of %d: %v (got %s)", len(us)+1, n, err, labels(us))
		}
		us = append(us, u)
	}
	return us
}

// readAll reads until an error, which it returns with the units.
func readAll(r *Reader) ([]*media.Unit, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var us []*media.Unit
	for {
		u, err := r.Read(ctx)
		if err != nil {
			return us, err
		}
		us = append(us, u)
	}
}

// recordHandler is a slog.Handler that keeps the records it handles.
type recordHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

func (h *recordHandler) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.records)
}

// attr returns the value of attribute key of record i.
func (h *recordHandler) attr(i int, key string) slog.Value {
	h.mu.Lock()
	defer h.mu.Unlock()
	var v slog.Value
	h.records[i].Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value
			return false
		}
		return true
	})
	return v
}

// gen makes an endless stream: video and audio alternate, with a video
// keyframe every gop video frames. Units are numbered in PTS from 0 on.
type gen struct {
	video, audio *media.Track
	gop, n       int
}

func newGen(gop int) *gen {
	v, a := testTracks()
	return &gen{video: v, audio: a, gop: gop}
}

func (g *gen) next() *media.Unit {
	u := &media.Unit{PTS: time.Duration(g.n), DTS: time.Duration(g.n)}
	switch {
	case g.n%2 == 1:
		u.Track, u.Key, u.Data = g.audio, true, []byte{'A'}
	case (g.n/2)%g.gop == 0:
		u.Track, u.Key, u.Data = g.video, true, []byte{'K'}
	default:
		u.Track, u.Data = g.video, []byte{'P'}
	}
	g.n++
	return u
}

// checkDecodable checks that us (read by one reader) is in order and that
// it starts, and restarts after every gap, at a video keyframe.
func checkDecodable(t *testing.T, name string, us []*media.Unit) {
	t.Helper()
	for i, u := range us {
		gap := i == 0 || u.PTS != us[i-1].PTS+1
		if i > 0 && u.PTS <= us[i-1].PTS {
			t.Fatalf("%s: unit %d out of order: %s after %s", name, i, label(u), label(us[i-1]))
		}
		if gap && !(u.Key && u.Track.Kind == media.KindVideo) {
			t.Fatalf("%s: unit %d starts after a gap but is %s", name, i, label(u))
		}
	}
}
