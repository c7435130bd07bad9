package types

import (
	"encoding/json"
	"time"
)

// Recording statuses (storage/archive).
const (
	RecordingRecording   = "recording"
	RecordingComplete    = "complete"
	RecordingInterrupted = "interrupted"
)

// RecordingSummary is what a recording's manifest says of it as a whole
// (archive.Summary): one entry of GET /v1/recordings, and the head of
// GET /v1/recordings/{id}.
type RecordingSummary struct {
	ID     string `json:"id"`
	Tenant string `json:"tenant,omitempty"`
	Room   string `json:"room"`
	Egress string `json:"egress_id"`
	// Generation counts the workers that took the recording over.
	Generation int        `json:"generation,omitempty"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	UpdatedAt  time.Time  `json:"updated_at"`
	// Duration is the sum of the segment durations, in seconds.
	Duration     float64                `json:"duration_seconds"`
	Size         int64                  `json:"size_bytes"`
	Participants []RecordingParticipant `json:"participants"`
	Video        *RecordingVideo        `json:"video,omitempty"`
	Audio        *RecordingAudio        `json:"audio,omitempty"`
}

// RecordingParticipant is someone seen in the room while recording.
type RecordingParticipant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	FirstSeen time.Time `json:"first_seen"`
}

// RecordingVideo is the recorded video format.
type RecordingVideo struct {
	Codec  string `json:"codec"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	FPS    int    `json:"fps,omitempty"`
}

// RecordingAudio is the recorded audio format.
type RecordingAudio struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channels   int    `json:"channels"`
}

// RecordingListItem is one recording of GET /v1/recordings: its summary,
// counts and links (paths on the server).
type RecordingListItem struct {
	RecordingSummary
	SegmentCount       int            `json:"segment_count"`
	DiscontinuityCount int            `json:"discontinuity_count"`
	Links              RecordingLinks `json:"links"`
}

// RecordingLinks are a listed recording's paths on the server.
type RecordingLinks struct {
	Manifest string `json:"manifest"`
	Playlist string `json:"playlist"`
	Download string `json:"download"`
}

// RecordingPage is one page of GET /v1/recordings, newest first.
type RecordingPage struct {
	Recordings []RecordingListItem `json:"recordings"`
	// NextCursor fetches the next page; empty on the last.
	NextCursor string `json:"next_cursor"`
}

// Recording is GET /v1/recordings/{id}: the recording's manifest.json
// with a signed link to its playlist.
type Recording struct {
	Version int `json:"version"`
	RecordingSummary
	Inits           []RecordingFile          `json:"inits"`
	Segments        []RecordingSegment       `json:"segments"`
	Discontinuities []RecordingDiscontinuity `json:"discontinuities"`
	Raw             []RecordingRawFile       `json:"raw,omitempty"`
	Dropped         *RecordDropped           `json:"dropped,omitempty"`
	// Quality is the egress job's quality report at its end.
	Quality json.RawMessage `json:"quality,omitempty"`
	// PlaylistURL plays the recording without an API key until it
	// expires: a path on the server.
	PlaylistURL string `json:"playlist_url"`
	// DownloadURL is the whole recording as one MP4 (Range requests
	// work), without an API key until it expires: a path on the server.
	DownloadURL string `json:"download_url"`
}

// RecordingFile is one stored object of a recording.
type RecordingFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// RecordingSegment is one media segment.
type RecordingSegment struct {
	RecordingFile
	Sequence      uint64    `json:"sequence"`
	Init          string    `json:"init"`
	Start         float64   `json:"start_seconds"`
	Duration      float64   `json:"duration_seconds"`
	Discontinuity bool      `json:"discontinuity,omitempty"`
	Wall          time.Time `json:"wall,omitzero"`
	Fill          bool      `json:"fill,omitempty"`
}

// RecordingDiscontinuity is a break before segment Sequence.
type RecordingDiscontinuity struct {
	Sequence uint64    `json:"sequence"`
	At       time.Time `json:"at"`
	Reason   string    `json:"reason"`
}

// RecordingRawFile is one part of one participant's untranscoded track.
type RecordingRawFile struct {
	RecordingFile
	Participant string  `json:"participant"`
	Track       string  `json:"track"`
	Codec       string  `json:"codec"`
	Duration    float64 `json:"duration_seconds"`
}
