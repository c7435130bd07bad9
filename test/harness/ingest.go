package harness

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

// TrackSeen is what the ingest has received on one track.
type TrackSeen struct {
	ID              string
	ParticipantName string
	Kind, Codec     string
	Frames          int
	Keyframes       int
	FirstKey        bool          // the first unit was a keyframe
	FirstPTS        time.Duration // PTS of the first unit
	Added, Removed  bool
}

// Ingest is a pipeline/source ingest subscribed to a room in this process.
type Ingest struct {
	*source.Ingest
	mu     sync.Mutex
	tracks map[*media.Track]*TrackSeen
	order  []*media.Track
	errc   chan error
}

func (in *Ingest) TrackAdded(t *media.Track) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.tracks[t] = &TrackSeen{ID: t.ID, ParticipantName: t.ParticipantName, Kind: string(t.Kind), Codec: string(t.Codec), Added: true}
	in.order = append(in.order, t)
}

func (in *Ingest) Unit(u *media.Unit) {
	in.mu.Lock()
	defer in.mu.Unlock()
	ts := in.tracks[u.Track]
	if ts == nil {
		return
	}
	if ts.Frames == 0 {
		ts.FirstKey, ts.FirstPTS = u.Key, u.PTS
	}
	ts.Frames++
	if u.Key {
		ts.Keyframes++
	}
}

func (in *Ingest) TrackRemoved(t *media.Track) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if ts := in.tracks[t]; ts != nil {
		ts.Removed = true
	}
}

// Tracks returns a snapshot of every track seen, in arrival order.
func (in *Ingest) Tracks() []TrackSeen {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]TrackSeen, 0, len(in.order))
	for _, t := range in.order {
		out = append(out, *in.tracks[t])
	}
	return out
}

// ByParticipant returns the tracks of one participant, video first.
func (in *Ingest) ByParticipant(name string) []TrackSeen {
	var out []TrackSeen
	for _, ts := range in.Tracks() {
		if ts.ParticipantName == name {
			out = append(out, ts)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind > out[j].Kind })
	return out
}

// StartIngest subscribes an ingest to room; t.Cleanup stops it and checks
// that Run ended without error.
func (s *Server) StartIngest(t testing.TB, room string) *Ingest {
	t.Helper()
	in := &Ingest{tracks: map[*media.Track]*TrackSeen{}, errc: make(chan error, 1)}
	ing, err := source.New(source.Config{
		Server: s.URL, Token: s.Key, Room: room, Name: "e2e-ingest",
		LoopbackOnly: true, Handler: in,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		t.Fatal(err)
	}
	in.Ingest = ing
	ctx, cancel := context.WithCancel(context.Background())
	go func() { in.errc <- ing.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-in.errc:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("ingest ended with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("ingest did not stop within 15 s")
		}
	})
	return in
}
