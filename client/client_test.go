package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/client"
	"github.com/roomcast/roomcast/test/apifixture"
)

// newClient is a client of srv with key.
func newClient(t *testing.T, srv *apifixture.Server, key string) *client.Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := client.New(srv.URL, client.WithKey(key), client.WithHTTPClient(hc), client.WithUserAgent("roomcast-test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxOf(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// apiErr checks that err is an *APIError of status and code, and shows
// no key.
func apiErr(t *testing.T, what string, err error, status int, code string) *client.APIError {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Status != status || ae.Code != code {
		t.Fatalf("%s: %v, want an APIError %d %s", what, err, status, code)
	}
	if !apifixture.Redacted(err.Error()) {
		t.Errorf("%s: the error shows a key: %v", what, err)
	}
	return ae
}

func TestRooms(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	r, err := c.CreateRoom(ctx, "demo")
	if err != nil || r.Name != "demo" || r.Participants == nil || len(r.Participants) != 0 {
		t.Fatalf("create: %+v %v", r, err)
	}
	if _, err := c.CreateRoom(ctx, "second.room"); err != nil {
		t.Fatal(err)
	}
	rooms, err := c.ListRooms(ctx)
	if err != nil || len(rooms) != 2 {
		t.Fatalf("list: %+v %v", rooms, err)
	}
	if got, err := c.GetRoom(ctx, "second.room"); err != nil || got.Name != "second.room" {
		t.Fatalf("get a name with a dot: %+v %v", got, err)
	}
	other := newClient(t, srv, apifixture.OtherKey)
	if rooms, err := other.ListRooms(ctx); err != nil || len(rooms) != 0 {
		t.Errorf("another tenant sees %+v %v", rooms, err)
	}
	_, err = c.CreateRoom(ctx, "demo")
	apiErr(t, "create twice", err, 409, "conflict")
	if err := c.DeleteRoom(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRoom(ctx, "demo")
	apiErr(t, "get a deleted room", err, 404, "not_found")
	apiErr(t, "delete it again", c.DeleteRoom(ctx, "demo"), 404, "not_found")
	for _, id := range []string{"..", ".", "a/b"} {
		_, err = c.GetRoom(ctx, id)
		if ae := apiErr(t, "get "+id, err, 404, "not_found"); strings.Contains(ae.Message, "second.room") {
			t.Errorf("get %q reached another room: %v", id, ae)
		}
	}
}

func TestEgress(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	if _, err := c.CreateRoom(ctx, "demo"); err != nil {
		t.Fatal(err)
	}
	spec := types.Spec{Room: "demo", LayoutSpec: types.LayoutSpec{Layout: types.LayoutGrid},
		Outputs: types.OutputsSpec{RTMP: types.URLs("rtmp://93.184.216.34/live/SECRET-1"), Record: &types.RecordSpec{}}}
	job, err := c.StartEgress(ctx, spec)
	if err != nil || job.ID == "" || job.Room != "demo" || job.Status != types.StatusActive || len(job.Outputs.RTMP) != 1 || job.Outputs.Record == nil {
		t.Fatalf("start: %+v %v", job, err)
	}
	if got := srv.Egress.Specs[0]; got.Video.Width == 0 || got.Outputs.RTMP[0].URL != spec.Outputs.RTMP[0].URL {
		t.Errorf("the server got %+v, want the spec with defaults", got)
	}
	if strings.Contains(job.Outputs.RTMP[0].URL, "SECRET") {
		t.Errorf("the answer shows the stream key: %s", job.Outputs.RTMP[0].URL)
	}
	got, err := c.GetEgress(ctx, job.ID)
	if err != nil || got.ID != job.ID {
		t.Fatalf("get: %+v %v", got, err)
	}
	upd, err := c.UpdateEgress(ctx, job.ID, types.Update{AddRTMP: types.URLs("rtmp://93.184.216.35/live/SECRET-2"),
		RemoveRTMP: []string{job.Outputs.RTMP[0].ID}, LayoutSpec: types.LayoutSpec{Layout: types.LayoutSpeaker}})
	if err != nil || upd.Layout != types.LayoutSpeaker || len(upd.Outputs.RTMP) != 1 || upd.Outputs.RTMP[0].ID == job.Outputs.RTMP[0].ID {
		t.Fatalf("update: %+v %v", upd, err)
	}
	_, err = c.StartEgress(ctx, types.Spec{Room: "nowhere", Outputs: types.OutputsSpec{Record: &types.RecordSpec{}}})
	if ae := apiErr(t, "start in an unknown room", err, 400, "invalid_field"); ae.Field != "room" {
		t.Errorf("field %q, want room", ae.Field)
	}
	_, err = c.UpdateEgress(ctx, job.ID, types.Update{AddRTMP: types.URLs("rtmp://10.0.0.1/live/SECRET-3")})
	if ae := apiErr(t, "add a private target", err, 400, "invalid_field"); ae.Field != "add_rtmp[0].url" {
		t.Errorf("field %q, want add_rtmp[0].url", ae.Field)
	}
	second, err := c.StartEgress(ctx, types.Spec{Room: "demo", Outputs: types.OutputsSpec{Record: &types.RecordSpec{}}})
	if err != nil {
		t.Fatal(err)
	}
	stopped, err := c.StopEgress(ctx, job.ID)
	if err != nil || stopped.Status != types.StatusComplete || stopped.EndedAt == nil {
		t.Fatalf("stop: %+v %v", stopped, err)
	}
	listIDs := func(f client.EgressFilter) []string {
		jobs, err := c.ListEgress(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
		return ids
	}
	if ids := listIDs(client.EgressFilter{}); len(ids) != 2 || ids[0] != second.ID {
		t.Errorf("list: %v, want both, newest first", ids)
	}
	if ids := listIDs(client.EgressFilter{Room: "demo", Active: true}); len(ids) != 1 || ids[0] != second.ID {
		t.Errorf("list active: %v, want %s", ids, second.ID)
	}
	if ids := listIDs(client.EgressFilter{Room: "other"}); len(ids) != 0 {
		t.Errorf("list another room: %v", ids)
	}
	_, err = c.UpdateEgress(ctx, job.ID, types.Update{LayoutSpec: types.LayoutSpec{Layout: types.LayoutGrid}})
	apiErr(t, "update an ended job", err, 409, "conflict")
	_, err = newClient(t, srv, apifixture.OtherKey).GetEgress(ctx, job.ID)
	apiErr(t, "another tenant's job", err, 404, "not_found")
}

func TestRecordings(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	old := srv.AddRecording(t, apifixture.Tenant, "a", t0)
	recent := srv.AddRecording(t, apifixture.Tenant, "b", t0.Add(time.Hour))
	srv.AddRecording(t, apifixture.OtherTenant, "a", t0)

	page, err := c.ListRecordings(ctx, client.RecordingFilter{})
	if err != nil || len(page.Recordings) != 2 || page.Recordings[0].ID != recent.ID || page.NextCursor != "" {
		t.Fatalf("list: %+v %v", page, err)
	}
	first := page.Recordings[0]
	if first.SegmentCount != len(recent.Segments) || first.Links.Download != "/v1/recordings/"+recent.ID+"/download" ||
		first.Duration != recent.Duration || first.Size != recent.Size || first.Video == nil || first.Video.Codec != "h264" {
		t.Errorf("listed %+v, want the summary of %+v", first, recent.Summary)
	}
	page, err = c.ListRecordings(ctx, client.RecordingFilter{Limit: 1})
	if err != nil || len(page.Recordings) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %+v %v", page, err)
	}
	page, err = c.ListRecordings(ctx, client.RecordingFilter{Limit: 1, Cursor: page.NextCursor})
	if err != nil || len(page.Recordings) != 1 || page.Recordings[0].ID != old.ID {
		t.Fatalf("second page: %+v %v", page, err)
	}
	for _, f := range []client.RecordingFilter{
		{Room: "a"}, {Until: t0.Add(time.Minute)}, {Since: t0.Add(-time.Minute), Until: t0.Add(30 * time.Minute), Status: types.RecordingComplete},
	} {
		page, err := c.ListRecordings(ctx, f)
		if err != nil || len(page.Recordings) != 1 || page.Recordings[0].ID != old.ID {
			t.Errorf("list %+v: %+v %v, want %s alone", f, page, err, old.ID)
		}
	}
	if page, err := c.ListRecordings(ctx, client.RecordingFilter{Status: types.RecordingRecording}); err != nil || len(page.Recordings) != 0 {
		t.Errorf("list recording: %+v %v", page, err)
	}
	_, err = c.ListRecordings(ctx, client.RecordingFilter{Limit: 5000})
	if ae := apiErr(t, "limit 5000", err, 400, "invalid_field"); ae.Field != "limit" {
		t.Errorf("field %q, want limit", ae.Field)
	}

	rec, err := c.GetRecording(ctx, old.ID)
	if err != nil || rec.ID != old.ID || len(rec.Segments) != len(old.Segments) || rec.Segments[0].SHA256 != old.Segments[0].SHA256 ||
		!strings.HasPrefix(rec.PlaylistURL, "/v1/recordings/"+old.ID+"/index.m3u8?") {
		t.Fatalf("get: %+v %v", rec, err)
	}
	checkPlaylist(t, c, old.ID)

	var mp4 bytes.Buffer
	n, err := c.DownloadRecording(ctx, old.ID, &mp4)
	if err != nil || n != int64(mp4.Len()) || n < 10000 || string(mp4.Bytes()[4:8]) != "ftyp" {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	var none bytes.Buffer
	_, err = newClient(t, srv, apifixture.OtherKey).DownloadRecording(ctx, old.ID, &none)
	apiErr(t, "download another tenant's recording", err, 404, "not_found")
	if none.Len() != 0 {
		t.Errorf("a refused download wrote %d bytes", none.Len())
	}

	if err := c.DeleteRecording(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRecording(ctx, old.ID)
	apiErr(t, "get a deleted recording", err, 404, "not_found")
}

// checkPlaylist fetches the playlist link without a key: it plays.
func checkPlaylist(t *testing.T, c *client.Client, id string) {
	t.Helper()
	link, err := c.PlaylistURL(ctxOf(t), id)
	if err != nil || !strings.HasPrefix(link, c.BaseURL()+"/v1/recordings/"+id+"/index.m3u8?") {
		t.Fatalf("playlist url %q %v", link, err)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Errorf("playlist without a key: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}
