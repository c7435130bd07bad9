package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/roomcast/roomcast/api/types"
)

// RecordingFilter selects recordings in ListRecordings; zero fields
// select all.
type RecordingFilter struct {
	Room   string
	Status string    // types.RecordingRecording, RecordingComplete or RecordingInterrupted
	Since  time.Time // started at or after
	Until  time.Time // started before
	Limit  int       // a page's size: 1 to 1000 (server default 50)
	Cursor string    // the NextCursor of the previous page
}

func (f RecordingFilter) query() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("room", f.Room)
	set("status", f.Status)
	set("cursor", f.Cursor)
	if !f.Since.IsZero() {
		q.Set("since", f.Since.Format(time.RFC3339))
	}
	if !f.Until.IsZero() {
		q.Set("until", f.Until.Format(time.RFC3339))
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	return q
}

// ListRecordings lists one page of the caller's recordings, newest
// first: GET /v1/recordings.
func (c *Client) ListRecordings(ctx context.Context, f RecordingFilter) (types.RecordingPage, error) {
	return do[types.RecordingPage](ctx, c, http.MethodGet, c.endpoint(f.query(), "v1", "recordings"), nil)
}

// GetRecording reads a recording's manifest and playlist link:
// GET /v1/recordings/{id}.
func (c *Client) GetRecording(ctx context.Context, id string) (types.Recording, error) {
	return do[types.Recording](ctx, c, http.MethodGet, c.endpoint(nil, "v1", "recordings", id), nil)
}

// PlaylistURL is the absolute, signed link to a recording's HLS
// playlist, which players fetch without a key until it expires.
func (c *Client) PlaylistURL(ctx context.Context, id string) (string, error) {
	r, err := c.GetRecording(ctx, id)
	if err != nil {
		return "", err
	}
	return c.URL(r.PlaylistURL), nil
}

// DeleteRecording deletes an ended recording: DELETE /v1/recordings/{id}.
func (c *Client) DeleteRecording(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, c.endpoint(nil, "v1", "recordings", id), nil, nil)
}

// DownloadRecording streams the recording as one MP4 into w and returns
// the bytes written: GET /v1/recordings/{id}/download. A body cut short
// is an error.
func (c *Client) DownloadRecording(ctx context.Context, id string, w io.Writer) (int64, error) {
	target := c.endpoint(nil, "v1", "recordings", id, "download")
	resp, err := c.send(ctx, http.MethodGet, target, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("download recording %s: %w", id, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return n, fmt.Errorf("download recording %s: got %d of %d bytes", id, n, resp.ContentLength)
	}
	return n, nil
}
