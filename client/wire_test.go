package client_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/test/apifixture"
)

// mirror checks that the api/types twin of a server type reads every
// field of it and writes the same JSON back: src, with every field set,
// is decoded strictly into dst.
func mirror(t *testing.T, src, dst any) {
	t.Helper()
	b, err := json.Marshal(src)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		t.Fatalf("%T into %T: %v", src, dst, err)
	}
	back, err := json.Marshal(dst)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	_ = json.Unmarshal(b, &want)
	_ = json.Unmarshal(back, &got)
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%T → %T changes the JSON:\n%s\n%s", src, dst, b, back)
	}
}

// TestWireMirrors: the client's types read the server's answers whole.
func TestWireMirrors(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	t.Run("room", func(t *testing.T) {
		mirror(t, room.Info{Name: "r1", Subscribers: 2, Participants: []room.ParticipantInfo{{ID: "PA_1", Name: "ann",
			Tracks: []room.TrackInfo{{ID: "t1", Kind: "video", Codec: "VP8", Source: "screen"}}}}}, &types.Room{})
	})
	t.Run("recording", func(t *testing.T) {
		end := t0.Add(time.Hour)
		m := archive.Manifest{Version: 1,
			Summary: archive.Summary{ID: "REC_1", Tenant: "acme", Room: "r1", Egress: "EG_1", Generation: 1, Status: "complete", Error: "e",
				StartedAt: t0, EndedAt: &end, UpdatedAt: end, Duration: 3600, Size: 1 << 30,
				Participants: []archive.Participant{{ID: "PA_1", Name: "ann", FirstSeen: t0}},
				Video:        &archive.VideoInfo{Codec: "h264", Width: 1280, Height: 720, FPS: 30},
				Audio:        &archive.AudioInfo{Codec: "aac", SampleRate: 48000, Channels: 2}},
			Inits: []archive.File{{Name: "init-0.mp4", Size: 9, SHA256: "ab"}},
			Segments: []archive.Segment{{File: archive.File{Name: "seg-000001.m4s", Size: 5, SHA256: "cd"}, Sequence: 1, Init: "init-0.mp4",
				Start: 0, Duration: 4, Discontinuity: true, Wall: t0, Fill: true}},
			Discontinuities: []archive.Discontinuity{{Sequence: 1, At: t0, Reason: "takeover"}},
			Raw: []archive.RawFile{{File: archive.File{Name: "raw/ann/t1-0001.webm", Size: 3, SHA256: "ef"},
				Participant: "ann", Track: "t1", Codec: "VP8", Duration: 60}},
			Dropped: &archive.Dropped{Segments: 1, Raw: 2, Bytes: 3},
			Quality: json.RawMessage(`{"participants":[]}`),
		}
		view := struct {
			*archive.Manifest
			PlaylistURL string `json:"playlist_url"`
			DownloadURL string `json:"download_url"`
		}{&m, "/v1/recordings/REC_1/index.m3u8?sig=x", "/v1/recordings/REC_1/download?sig=y"}
		mirror(t, view, &types.Recording{})
	})
	t.Run("worker", func(t *testing.T) {
		mirror(t, jobs.WorkerInfo{ID: "w1", Capacity: 400, Load: 10, CPU: 1.5, Jobs: []string{"EG_1"}, Draining: true, StartedAt: t0, Heartbeat: t0}, &types.Worker{})
	})
	t.Run("parked", func(t *testing.T) {
		mirror(t, webhook.Parked{ID: "PK_1", Endpoint: "e", Tenant: "acme", State: "parked", Attempts: 3, LastError: "x", ParkedAt: t0,
			Event: webhook.Event{ID: "EV_1", Type: "egress.ended", Time: t0, Tenant: "acme", EgressID: "EG_1", Data: json.RawMessage(`{"a":1}`)}}, &types.ParkedEvent{})
	})
	t.Run("tenant", func(t *testing.T) {
		mirror(t, tenants.Tenant{ID: "acme", Name: "Acme", CreatedAt: t0, UpdatedAt: t0, Disabled: true, Settings: tenants.Settings{
			Branding: json.RawMessage(`{"labels":false,"title":{"text":"Live","position":"bottom"}}`),
			Layout:   json.RawMessage(`"speaker"`),
			Canvas:   json.RawMessage(`{"width":1280,"height":720}`),
			Storage: &tenants.Storage{Endpoint: "https://s3", Region: "eu", Bucket: "b", Prefix: "p/", AccessKeyID: "AK",
				SecretAccessKey: "********", PathStyle: true},
			Webhook:          &tenants.Webhook{URL: "https://hooks", Secret: "********"},
			Quotas:           tenants.Quotas{Rooms: 1, ParticipantsPerRoom: 2, ConcurrentJobs: 3, TargetsPerJob: 4, RetentionDays: 5},
			AllowedRTMPHosts: []string{"*.twitch.tv"},
		}}, &types.Tenant{})
	})
}

// TestAnswersDecodeStrictly: every answer of the real API decodes into
// the client's types with no field left over.
func TestAnswersDecodeStrictly(t *testing.T) {
	srv := apifixture.Start(t, apifixture.Options{Workers: []jobs.WorkerInfo{{ID: "w1", Jobs: []string{}}}, Tenants: true})
	c, ctx := newClient(t, srv, apifixture.Key), ctxOf(t)
	if _, err := c.CreateRoom(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	job, err := c.StartEgress(ctx, types.Spec{Room: "r1", Outputs: types.OutputsSpec{Record: &types.RecordSpec{}}})
	if err != nil {
		t.Fatal(err)
	}
	rec := srv.AddRecording(t, apifixture.Tenant, "r1", time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC))
	if _, err := newClient(t, srv, apifixture.AdminKey).CreateKey(ctx, apifixture.Tenant); err != nil {
		t.Fatal(err)
	}
	for path, into := range map[string]any{
		"/v1/tenants":                                &struct{ Tenants []types.Tenant }{},
		"/v1/tenants/" + apifixture.Tenant:           &types.Tenant{},
		"/v1/tenants/" + apifixture.Tenant + "/keys": &struct{ Keys []types.APIKey }{},
		"/v1/rooms":                                  &struct{ Rooms []types.Room }{},
		"/v1/rooms/r1":                               &types.Room{},
		"/v1/egress":                                 &struct{ Egress []types.Info }{},
		"/v1/egress/" + job.ID:                       &types.Info{},
		"/v1/recordings":                             &types.RecordingPage{},
		"/v1/recordings/" + rec.ID:                   &types.Recording{},
		"/v1/workers":                                &struct{ Workers []types.Worker }{},
		"/v1/webhooks/parked":                        &struct{ Parked []types.ParkedEvent }{},
	} {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		key := apifixture.Key
		if strings.HasPrefix(path, "/v1/tenants") {
			key = apifixture.AdminKey
		}
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(into); resp.StatusCode != 200 || err != nil {
			t.Errorf("GET %s: %d %v\n%s", path, resp.StatusCode, err, b)
		}
	}
}
