package source_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/test/testutil"
)

// announcer is a recorder that is also a source.Announcer: it keeps
// every track set announced, and notes each track added before it was
// announced.
type announcer struct {
	*recorder

	amu      sync.Mutex
	sets     [][]media.Track
	unheard  []string // tracks added before any announcement named them
	heardIDs map[string]bool
}

func (a *announcer) TracksAnnounced(ts []media.Track) {
	a.amu.Lock()
	defer a.amu.Unlock()
	a.sets = append(a.sets, slices.Clone(ts))
	for _, t := range ts {
		a.heardIDs[t.ID] = true
	}
}

func (a *announcer) TrackAdded(t *media.Track) {
	a.amu.Lock()
	if !a.heardIDs[t.ID] {
		a.unheard = append(a.unheard, t.ID)
	}
	a.amu.Unlock()
	a.recorder.TrackAdded(t)
}

// last returns the last set announced, and how many there were.
func (a *announcer) last() ([]media.Track, int) {
	a.amu.Lock()
	defer a.amu.Unlock()
	if len(a.sets) == 0 {
		return nil, 0
	}
	return a.sets[len(a.sets)-1], len(a.sets)
}

// TestIngestAnnouncesTracks: over WebRTC a track is added only with its
// first packet; an Announcer handler learns the room's tracks before
// that, from each renegotiation: first the empty room, then a
// publisher's camera and microphone (named, with their kinds), then none
// when it leaves.
func TestIngestAnnouncesTracks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	m, srv, cleanup := newTestRoom(t)
	defer cleanup()
	h := &announcer{recorder: newRecorder(), heardIDs: map[string]bool{}}
	run := startIngest(t, m, source.Config{Server: srv.URL, Handler: h})
	testutil.Eventually(t, 10*time.Second, "the empty room announced", func() bool {
		ts, n := h.last()
		return n >= 1 && len(ts) == 0
	})
	erin := startPublisher(t, srv.URL, "erin", media.CodecH264, 0)
	defer erin.close(t)
	testutil.Eventually(t, 60*time.Second, "media of erin", func() bool { return h.flowing("erin", 10) })
	ts, _ := h.last()
	kinds := map[media.Kind]int{}
	for _, tr := range ts {
		if tr.ParticipantName != "erin" {
			t.Errorf("announced %+v, want erin's", tr)
		}
		kinds[tr.Kind]++
	}
	if kinds[media.KindVideo] != 1 || kinds[media.KindAudio] != 1 {
		t.Errorf("announced %+v, want erin's camera and microphone", ts)
	}
	erin.stop()
	_ = erin.wait(t) // puts its result back for the deferred close
	testutil.Eventually(t, 20*time.Second, "erin's tracks gone from the announcement", func() bool {
		ts, _ := h.last()
		return len(ts) == 0 && h.gone("erin")
	})
	if err := run.stop(t); err != nil {
		t.Errorf("Run: %v", err)
	}
	h.amu.Lock()
	if len(h.unheard) > 0 {
		t.Errorf("tracks added before they were announced: %v", h.unheard)
	}
	h.amu.Unlock()
	for _, e := range h.errors() {
		t.Error(e)
	}
}
