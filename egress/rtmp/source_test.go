package rtmp

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// testSource plays units at speed× real time, then returns io.EOF (or,
// with hold, blocks until ctx ends). Reset restarts the clock at the next
// keyframe, as pipeline/fanout's reader does.
type testSource struct {
	tracks []*media.Track
	units  []*media.Unit
	speed  float64
	hold   bool

	mu     sync.Mutex
	pos    int
	start  time.Time
	base   time.Duration
	resets int
	read   int
}

func newTestSource(f *fixture, speed float64) *testSource {
	return &testSource{tracks: []*media.Track{f.video, f.audio}, units: f.units, speed: speed}
}

func (s *testSource) Tracks() []*media.Track { return s.tracks }

func (s *testSource) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resets++
	for s.pos < len(s.units) && !(s.units[s.pos].Key && s.units[s.pos].Track.Kind == media.KindVideo) {
		s.pos++
	}
	s.start = time.Now()
	if s.pos < len(s.units) {
		s.base = s.units[s.pos].DTS
	}
}

func (s *testSource) Read(ctx context.Context) (*media.Unit, error) {
	s.mu.Lock()
	if s.pos >= len(s.units) {
		s.mu.Unlock()
		if s.hold {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return nil, io.EOF
	}
	u := s.units[s.pos]
	due := s.start.Add(time.Duration(float64(u.DTS-s.base) / s.speed))
	s.mu.Unlock()
	if wait := time.Until(due); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-t.C:
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pos++
	s.read++
	return u, nil
}

func (s *testSource) stats() (resets, read int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resets, s.read
}
