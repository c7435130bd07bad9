package api

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/roomcast/roomcast/pipeline/remux"
	"github.com/roomcast/roomcast/storage/archive"
)

// recordingSummary is a manifest without its per-object lists.
type recordingSummary struct {
	archive.Summary
	Tenant             string         `json:"tenant,omitempty"` // left empty: hides the caller's own tenant
	SegmentCount       int            `json:"segment_count"`
	DiscontinuityCount int            `json:"discontinuity_count"`
	Links              recordingLinks `json:"links"`
}

type recordingLinks struct {
	Manifest string `json:"manifest"`
	Playlist string `json:"playlist"`
	Download string `json:"download"`
}

func summarize(m *archive.Manifest) recordingSummary {
	base := "/v1/recordings/" + m.ID
	sum := m.Summary
	if sum.Participants == nil {
		sum.Participants = []archive.Participant{}
	}
	return recordingSummary{
		Summary: sum, SegmentCount: m.SegmentCount(), DiscontinuityCount: len(m.Discontinuities),
		Links: recordingLinks{Manifest: base, Playlist: base + "/" + archive.PlaylistName, Download: base + "/download"},
	}
}

func (a *recordingAPI) list(w http.ResponseWriter, r *http.Request) {
	q, err := parseRecordingQuery(r.URL.Query())
	if err != nil {
		writeParamError(w, err)
		return
	}
	page, err := a.cat.List(r.Context(), tenantOf(r), q)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]recordingSummary, len(page.Recordings))
	for i, m := range page.Recordings {
		out[i] = summarize(m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"recordings": out, "next_cursor": page.Next})
}

// parseRecordingQuery reads ?room=&since=&until=&status=&limit=&cursor=;
// errors name the parameter.
func parseRecordingQuery(v url.Values) (archive.Query, error) {
	q := archive.Query{Room: v.Get("room"), Status: v.Get("status"), Cursor: v.Get("cursor"), Limit: 50}
	switch q.Status {
	case "", archive.StatusRecording, archive.StatusComplete, archive.StatusInterrupted:
	default:
		return q, fmt.Errorf("status: want %s, %s or %s", archive.StatusRecording, archive.StatusComplete, archive.StatusInterrupted)
	}
	var err error
	if q.Since, err = parseTimeParam(v, "since"); err != nil {
		return q, err
	}
	if q.Until, err = parseTimeParam(v, "until"); err != nil {
		return q, err
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > archive.MaxLimit {
			return q, fmt.Errorf("limit: want an integer from 1 to %d", archive.MaxLimit)
		}
		q.Limit = n
	}
	if q.Cursor != "" && !archive.ValidID(q.Cursor) {
		return q, errors.New("cursor: not a next_cursor of this API")
	}
	return q, nil
}

func parseTimeParam(v url.Values, name string) (time.Time, error) {
	s := v.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: want an RFC 3339 time such as 2025-03-01T12:00:00Z", name)
	}
	return t, nil
}

func isRemuxError(err error) bool {
	for _, e := range []error{remux.ErrMalformed, remux.ErrUnsupported, remux.ErrUnknownTrack,
		remux.ErrInconsistentInit, remux.ErrShortSegment, remux.ErrNoSegments} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
