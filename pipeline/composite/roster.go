package composite

import (
	"github.com/roomcast/roomcast/pipeline/composite/tile"
	"github.com/roomcast/roomcast/pipeline/media"
)

// member is one participant as the compositor knows it: its video
// sources (camera, screen) and whether it has audio.
type member struct {
	id, name string
	camera   *videoSource
	screen   *videoSource
	audio    int    // audio tracks
	shareSeq uint64 // when its screen was published, to pick the newest
}

// roster keeps the room's participants in join order. Its methods are
// called with Layout.mu held.
type roster struct {
	byID  map[string]*member
	order []*member
	seq   uint64
}

func newRoster() *roster { return &roster{byID: map[string]*member{}} }

// join returns the member of t's participant, adding it on its first track.
func (r *roster) join(t *media.Track) *member {
	m := r.byID[t.ParticipantID]
	if m == nil {
		m = &member{id: t.ParticipantID, name: t.ParticipantName}
		r.byID[m.id] = m
		r.order = append(r.order, m)
	}
	if m.name == "" {
		m.name = t.ParticipantName
	}
	return m
}

// addVideo attaches a video source to its participant.
func (r *roster) addVideo(src *videoSource) {
	m := r.join(src.track)
	if src.track.IsScreen() {
		r.seq++
		m.screen, m.shareSeq = src, r.seq
		return
	}
	m.camera = src
}

// addAudio counts an audio track of its participant.
func (r *roster) addAudio(t *media.Track) { r.join(t).audio++ }

// remove detaches t, and forgets a participant left with no track.
func (r *roster) remove(t *media.Track) {
	m := r.byID[t.ParticipantID]
	if m == nil {
		return
	}
	switch {
	case t.Kind == media.KindAudio:
		m.audio--
	case m.camera != nil && m.camera.track == t:
		m.camera = nil
	case m.screen != nil && m.screen.track == t:
		m.screen = nil
	}
	if m.camera != nil || m.screen != nil || m.audio > 0 {
		return
	}
	delete(r.byID, m.id)
	for i, o := range r.order {
		if o == m {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// scene describes the room for the tile layouts: participants in join
// order, the speaker, and the newest screen share.
func (r *roster) scene(width, height int, speaker string) tile.Scene {
	s := tile.Scene{Width: width, Height: height, Speaker: speaker, Participants: make([]tile.Participant, 0, len(r.order))}
	var newest uint64
	for _, m := range r.order {
		s.Participants = append(s.Participants, tile.Participant{ID: m.id, Name: m.name, Camera: m.camera != nil, Screen: m.screen != nil, Audio: m.audio > 0})
		if m.screen != nil && m.shareSeq > newest {
			s.Screen, newest = m.id, m.shareSeq
		}
	}
	if s.Speaker == "" && len(r.order) > 0 {
		s.Speaker = r.order[0].id
	}
	return s
}

// source returns the video source a tile shows, or nil.
func (r *roster) source(t tile.Tile) (*member, *videoSource) {
	m := r.byID[t.Participant]
	if m == nil {
		return nil, nil
	}
	if t.Screen {
		return m, m.screen
	}
	return m, m.camera
}
