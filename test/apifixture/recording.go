package apifixture

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/mux"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/mediafixture"
)

// AddRecording stores a complete recording of tenant's room started at
// start: 10 s of ffmpeg's test video and tone in 2 s CMAF segments, cut
// by the recorder's own segmenter, with its manifest and index entry. It
// returns the manifest.
func (s *Server) AddRecording(t testing.TB, tenant, roomName string, start time.Time) *archive.Manifest {
	t.Helper()
	fx := mediafixture.Load(t)
	seg, err := mux.NewSegmenter(mux.SegmenterConfig{Tracks: []*media.Track{fx.Video, fx.Audio}, TargetDuration: 2 * time.Second, FirstSequence: 1})
	if err != nil {
		t.Fatal(err)
	}
	end := start.Add(fx.Length)
	m := &archive.Manifest{
		Version: archive.ManifestVersion,
		Summary: archive.Summary{
			ID: archive.NewID(start), Tenant: tenant, Room: roomName, Egress: "EG_rec", Status: archive.StatusComplete,
			StartedAt: start, EndedAt: &end, UpdatedAt: end,
			Participants: []archive.Participant{{ID: "PA_1", Name: "alice", FirstSeen: start}},
			Video:        &archive.VideoInfo{Codec: "h264", Width: 320, Height: 240, FPS: 30},
			Audio:        &archive.AudioInfo{Codec: "aac", SampleRate: 48000, Channels: 2},
		},
		Discontinuities: []archive.Discontinuity{},
	}
	var init bytes.Buffer
	if err := seg.WriteInit(&init); err != nil {
		t.Fatal(err)
	}
	m.Inits = []archive.File{s.putObject(t, m, archive.InitName(0), init.Bytes())}
	for _, u := range fx.Units {
		cut, err := seg.Push(u)
		if err != nil {
			t.Fatal(err)
		}
		s.addSegment(t, m, cut)
	}
	last, _ := seg.Flush()
	s.addSegment(t, m, last)
	b, err := m.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s.put(t, archive.Key(tenant, roomName, m.ID, archive.ManifestName), b)
	s.put(t, archive.IndexEntryKey(tenant, roomName, m.ID), archive.IndexBody(m))
	return m
}

func (s *Server) addSegment(t testing.TB, m *archive.Manifest, cut *mux.Segment) {
	t.Helper()
	if cut == nil {
		return
	}
	f := s.putObject(t, m, archive.SegmentName(cut.Sequence), cut.Data)
	m.Segments = append(m.Segments, archive.Segment{File: f, Sequence: cut.Sequence, Init: archive.InitName(0),
		Start: cut.Start.Seconds(), Duration: cut.Duration.Seconds(), Wall: m.StartedAt.Add(cut.Start)})
	m.Duration += cut.Duration.Seconds()
}

func (s *Server) putObject(t testing.TB, m *archive.Manifest, name string, b []byte) archive.File {
	t.Helper()
	s.put(t, archive.Key(m.Tenant, m.Room, m.ID, name), b)
	sum := sha256.Sum256(b)
	m.Size += int64(len(b))
	return archive.File{Name: name, Size: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

func (s *Server) put(t testing.TB, key string, b []byte) {
	t.Helper()
	if err := s.store.Put(context.Background(), key, bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
}
