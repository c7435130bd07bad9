package api

import (
	"context"
	"errors"
	"time"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/webhook"
)

// Job ids fullEgress answers with an error.
const (
	egMissing    = "EG_missing"    // types.ErrNotFound
	egDown       = "EG_down"       // types.ErrUnavailable
	egBroken     = "EG_broken"     // an internal fault
	egEnded      = "EG_ended"      // a job that has ended
	egNotRunning = "EG_notrunning" // types.ErrNotRunning on Stop
)

var errBoom = errors.New("boom")

// fullEgress answers with jobs that have every field set, so that the
// whole EgressInfo schema is checked, and with each error the API maps.
type fullEgress struct{}

// fullInfo is a job of the default tenant with every field set.
func fullInfo(id string) types.Info {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Second), t0.Add(time.Minute)
	left := 3600.5
	dropped := &types.RecordDropped{Segments: 2, Raw: 1, Bytes: 4096}
	return types.Info{
		ID: id, Tenant: configs.DefaultTenant, Room: "r1", Layout: types.LayoutSpeaker, Status: types.StatusActive,
		Error: "boom", Reason: "no worker has room", Worker: "w1", Kind: "composite",
		CreatedAt: t0, StartedAt: &t1, EndedAt: &t2,
		Video: types.VideoSpec{Background: "#000000", Width: 1280, Height: 720, FPS: 30, BitrateKbps: 2500, KeyframeSeconds: 2},
		Outputs: types.OutputsInfo{
			RTMP: []types.RTMPInfo{{
				ID: "o1", URL: "rtmp://a/app/****", Canvas: "vertical", State: types.StateReconnecting, Bytes: 1000,
				BitrateKbps: 2400, Reconnects: 2, DroppedFrames: 3, Error: "refused", DownSince: &t1, NextRetryAt: &t2,
				MaxRetrySeconds: 90,
			}},
			Record: &types.RecordInfo{RecordingID: "RC_1", State: types.StateDegraded, Segments: 10, Bytes: 1 << 20,
				Duration: 40.5, PendingUploads: 1, Error: "upload failed", SpoolSecondsLeft: &left, Dropped: dropped},
		},
		Cost: 150, MeasuredCPU: 120.5, EncodeSeconds: 12.25, DecodeSeconds: 3.5,
		Canvases: []types.CanvasInfo{{Name: "main", Width: 1280, Height: 720, FramesEncoded: 900, Outputs: 1}},
		Quality: &types.QualityInfo{
			Participants: []types.ParticipantQuality{{ID: "p1", Name: "ann", AVOffsetMeanMs: 12.5, AVOffsetMaxMs: 40,
				FramesShown: 900, FramesRepeated: 3, FramesSkipped: 1, VideoGaps: 1, AudioGaps: 2}},
			Canvases:  []types.CanvasQuality{{Name: "main", FramesEncoded: 900, FramesUnchanged: 10, FramesDropped: 1, EncodeMsP50: 4.5, EncodeMsP99: 12.75}},
			Recording: dropped,
		},
	}
}

func (fullEgress) Start(_ context.Context, _ string, spec types.Spec) (types.Info, error) {
	info := fullInfo("EG_1")
	info.Room = spec.Room
	return info, nil
}

func (fullEgress) Get(_ context.Context, id string) (types.Info, error) {
	switch id {
	case egMissing:
		return types.Info{}, types.ErrNotFound
	case egDown:
		return types.Info{}, types.ErrUnavailable
	case egBroken:
		return types.Info{}, errBoom
	case egEnded:
		info := fullInfo(id)
		info.Status = types.StatusComplete
		return info, nil
	}
	return fullInfo(id), nil
}

func (fullEgress) List(context.Context, types.Filter) ([]types.Info, error) {
	return []types.Info{fullInfo("EG_1"), {ID: "EG_0", Tenant: configs.DefaultTenant, Status: types.StatusPending}}, nil
}

func (fullEgress) Update(_ context.Context, id string, _ types.Update) (types.Info, error) {
	return fullInfo(id), nil
}

func (fullEgress) Stop(_ context.Context, id string) (types.Info, error) {
	if id == egNotRunning {
		return types.Info{}, types.ErrNotRunning
	}
	info := fullInfo(id)
	info.Status = types.StatusStopping
	return info, nil
}

// testWorkers is what GET /v1/workers lists in the tests: the job bus's
// own type.
func testWorkers() []jobs.WorkerInfo {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return []jobs.WorkerInfo{
		{ID: "w1", Capacity: 800, Load: 150, CPU: 120.5, Jobs: []string{"EG_1"}, Draining: true, StartedAt: t0, Heartbeat: t0.Add(time.Minute)},
		{ID: "w2", Capacity: 400, StartedAt: t0, Heartbeat: t0},
	}
}

// Parked ids fakeParking answers with an error.
const (
	whMissing = "WH_missing"
	whDown    = "WH_down"
)

// fakeParking lists two parked events of the default tenant; down makes
// it fail like a job bus out of reach.
type fakeParking struct{ down bool }

func parkedEvent(id, state string) webhook.Parked {
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return webhook.Parked{ID: id, Endpoint: "hooks", Tenant: configs.DefaultTenant, State: state, Attempts: 5,
		LastError: "status 500", ParkedAt: t0,
		Event: webhook.Event{ID: "EV_1", Type: webhook.EgressEnded, Time: t0, Tenant: configs.DefaultTenant,
			EgressID: "EG_1", Data: []byte(`{"id":"EG_1","status":"complete"}`)}}
}

func (p *fakeParking) List(_ context.Context, tenant string) ([]webhook.Parked, error) {
	if p.down {
		return nil, errBoom
	}
	return []webhook.Parked{parkedEvent("WH_1", webhook.StateParked), parkedEvent("WH_2", webhook.StateRetrying)}, nil
}

func (p *fakeParking) Retry(_ context.Context, _ string, id string) (webhook.Parked, error) {
	switch {
	case p.down || id == whDown:
		return webhook.Parked{}, errBoom
	case id == whMissing:
		return webhook.Parked{}, webhook.ErrParkedNotFound
	}
	return parkedEvent(id, webhook.StateRetrying), nil
}
