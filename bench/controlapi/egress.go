package main

import (
	"context"
	"time"

	"github.com/roomcast/roomcast/api/types"
)

// jobEgress is an Egress holding one active job of one tenant, in
// memory: Get answers it, and everything else is refused, since the
// benchmark only reads it.
type jobEgress struct {
	tenant, id, room string
}

func (e jobEgress) info() types.Info {
	started := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	return types.Info{
		ID: e.id, Tenant: e.tenant, Room: e.room, Layout: types.LayoutGrid, Status: types.StatusActive,
		Worker: "w1", Kind: "composite", CreatedAt: started, StartedAt: &started,
		Outputs: types.OutputsInfo{RTMP: []types.RTMPInfo{{ID: "out_1", URL: "rtmp://live.example/app/****", State: types.StateLive}}},
	}
}

func (e jobEgress) Get(_ context.Context, id string) (types.Info, error) {
	if id != e.id {
		return types.Info{}, types.ErrNotFound
	}
	return e.info(), nil
}

func (e jobEgress) Start(context.Context, string, types.Spec) (types.Info, error) {
	return types.Info{}, types.ErrNotFound
}

func (e jobEgress) List(context.Context, types.Filter) ([]types.Info, error) {
	return []types.Info{e.info()}, nil
}

func (e jobEgress) Update(context.Context, string, types.Update) (types.Info, error) {
	return types.Info{}, types.ErrNotFound
}

func (e jobEgress) Stop(context.Context, string) (types.Info, error) {
	return types.Info{}, types.ErrNotFound
}
