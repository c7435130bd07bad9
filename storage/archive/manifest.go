package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/roomcast/roomcast/pipeline/mux"
)

// Recording statuses.
const (
	// StatusRecording: segments are still being added.
	StatusRecording = "recording"
	// StatusComplete: the recording was stopped and every segment stored.
	StatusComplete = "complete"
	// StatusInterrupted: the recorder died (crash, kill) before it could
	// finish; everything it had closed before is stored.
	StatusInterrupted = "interrupted"
)

// ErrBadManifest is returned for a manifest.json that cannot be used.
var ErrBadManifest = errors.New("bad manifest")

// ManifestVersion is the version of the manifest format written: 2
// may be chunked (see ChunkSegments); 1, never chunked, is still read.
const ManifestVersion = 2

// Manifest describes one recording: manifest.json.
type Manifest struct {
	Version int `json:"version"`
	Summary
	Inits           []File          `json:"inits"`
	Segments        []Segment       `json:"segments"`
	Discontinuities []Discontinuity `json:"discontinuities"`
	Raw             []RawFile       `json:"raw,omitempty"`
	// Dropped counts what the recorder could not keep when its spool was
	// full; nil when nothing was dropped.
	Dropped *Dropped `json:"dropped,omitempty"`
	// Quality is the egress job's quality report at its end (see
	// egress.QualityInfo), kept as the job gave it.
	Quality json.RawMessage `json:"quality,omitempty"`

	// edits counts the merges that changed segments already listed, so
	// that an IndexWriter knows its sealed chunks may have changed.
	edits uint64
	// stored names the chunks the store held when the manifest was read.
	stored map[string]bool
	// summary: read from its head alone by Catalog.List, without its
	// segments and raw parts; segmentCount is then how many it has.
	summary      bool
	segmentCount int
}

// SegmentCount is how many segments the recording has, also for a
// manifest that Catalog.List read as a summary.
func (m *Manifest) SegmentCount() int {
	if m.summary {
		return m.segmentCount
	}
	return len(m.Segments)
}

// Summary is what a manifest says of the recording as a whole, without
// its per-object lists: what a listing of recordings shows.
type Summary struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Room   string `json:"room"`
	Egress string `json:"egress_id"`
	// Generation counts the workers that took the recording over after
	// its recorder died; objects of generation g > 0 are named "g{g}-…".
	Generation int        `json:"generation,omitempty"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// Duration is the sum of the segment durations, in seconds.
	Duration     float64       `json:"duration_seconds"`
	Size         int64         `json:"size_bytes"`
	Participants []Participant `json:"participants"`
	Video        *VideoInfo    `json:"video,omitempty"`
	Audio        *AudioInfo    `json:"audio,omitempty"`
}

// Participant is someone seen in the room while recording.
type Participant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	FirstSeen time.Time `json:"first_seen"`
}

// VideoInfo is the recorded video format.
type VideoInfo struct {
	Codec  string `json:"codec"` // e.g. "h264"
	Width  int    `json:"width"`
	Height int    `json:"height"`
	FPS    int    `json:"fps,omitempty"`
}

// AudioInfo is the recorded audio format.
type AudioInfo struct {
	Codec      string `json:"codec"` // e.g. "aac"
	SampleRate int    `json:"sample_rate"`
	Channels   int    `json:"channels"`
}

// File is one stored object of a recording, by name relative to the
// recording's prefix.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Segment is one media segment.
type Segment struct {
	File
	Sequence uint64  `json:"sequence"`
	Init     string  `json:"init"`
	Start    float64 `json:"start_seconds"` // on the recording's media timeline
	Duration float64 `json:"duration_seconds"`
	// Discontinuity marks a break before this segment.
	Discontinuity bool `json:"discontinuity,omitempty"`
	// Wall is when the segment's first frame was captured (the room's
	// clock as the recorder saw it); zero when unknown.
	Wall time.Time `json:"wall,omitzero"`
	// Fill marks a segment made after a takeover from the room's history,
	// to fill the time nobody recorded.
	Fill bool `json:"fill,omitempty"`
}

// WallEnd is when the segment's media ends, on the wall clock; zero when
// unknown.
func (s Segment) WallEnd() time.Time {
	if s.Wall.IsZero() {
		return time.Time{}
	}
	return s.Wall.Add(time.Duration(s.Duration * float64(time.Second)))
}

// Discontinuity is a break in the recording: before segment Sequence.
type Discontinuity struct {
	Sequence uint64    `json:"sequence"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
}

// Dropped counts what a full spool (or disk) cost a recording: media
// segments never stored (each gap a discontinuity) and raw track parts
// given up (and left out of Raw), with their bytes.
type Dropped struct {
	Segments int   `json:"segments"`
	Raw      int   `json:"raw"`
	Bytes    int64 `json:"bytes"`
}

// RawFile is one part of one participant's untranscoded track.
type RawFile struct {
	File
	Participant string  `json:"participant"`
	Track       string  `json:"track"`
	Codec       string  `json:"codec"`
	Duration    float64 `json:"duration_seconds"`
}

// Marshal encodes the manifest as compact JSON: it is rewritten after
// every segment, so its size counts.
func (m *Manifest) Marshal() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.ID, err)
	}
	return append(b, '\n'), nil
}

// ParseManifest decodes and checks a whole manifest: a manifest.json
// that names no chunks (ErrChunked for one that does; Catalog.Manifest
// reads those).
func ParseManifest(b []byte) (*Manifest, error) {
	m, h, err := parseHead(b)
	if err != nil {
		return nil, err
	}
	if len(h.Chunks)+len(h.RawChunks) > 0 {
		return nil, fmt.Errorf("%w %q: %w", ErrBadManifest, m.ID, ErrChunked)
	}
	return m, nil
}

func (m *Manifest) check() error {
	if m.Version < 1 || m.Version > ManifestVersion {
		return fmt.Errorf("unsupported version %d", m.Version)
	}
	if !ValidID(m.ID) {
		return errors.New("bad id")
	}
	for _, f := range m.Inits {
		if !validName(f.Name) {
			return fmt.Errorf("bad init name %q", f.Name)
		}
	}
	if err := checkRaw(m.Raw); err != nil {
		return err
	}
	return checkSegments(m.Segments)
}

func checkRaw(raw []RawFile) error {
	for _, f := range raw {
		if !validName(f.Name) {
			return fmt.Errorf("bad raw part name %q", f.Name)
		}
	}
	return nil
}

// RemoveRaw takes the raw part name out of the list (a part the spool
// evicted) and returns it; false when it is not listed.
func (m *Manifest) RemoveRaw(name string) (RawFile, bool) {
	for i, f := range m.Raw {
		if f.Name == name {
			m.Raw = slices.Delete(m.Raw, i, i+1)
			m.edits++ // a sealed raw chunk may have changed
			return f, true
		}
	}
	return RawFile{}, false
}

func checkSegments(segs []Segment) error {
	for _, s := range segs {
		if !validName(s.Name) || !validName(s.Init) {
			return fmt.Errorf("bad segment name %q (init %q)", s.Name, s.Init)
		}
	}
	return nil
}

// Ended reports whether no segment will be added.
func (m *Manifest) Ended() bool { return m.Status != StatusRecording }

// Playlist is the HLS media playlist of the stored segments: EVENT while
// recording, VOD once ended.
func (m *Manifest) Playlist() *mux.Playlist {
	p := &mux.Playlist{Ended: m.Ended()}
	for i, s := range m.Segments {
		if i == 0 {
			p.MediaSequence = s.Sequence
		}
		p.Append(mux.PlaylistSegment{
			Name: s.Name, Init: s.Init, Discontinuity: s.Discontinuity,
			Duration: time.Duration(s.Duration * float64(time.Second)),
		})
	}
	return p
}
