package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/storage/archive"
)

// ClientConfig wires a Client.
type ClientConfig struct {
	NC *nats.Conn
	// RoomLimit is the most publishers a room admits: composite layouts
	// are priced at the tiles they may reach (0: 25, the most a layout
	// shows).
	RoomLimit int
	Costs     Costs
	Lease     time.Duration // default DefaultLease; must match the workers'
	// Finalize ends a recording that a job stopped with no worker
	// running it leaves open (see record.Interrupt); nil: none.
	Finalize func(ctx context.Context, tenant, room, recordingID string) (bool, error)
	// Events receives the events of jobs that end with no worker (nil:
	// none); workers send the others.
	Events EventSink
	// Keyring seals the secrets of the job records (their RTMP targets)
	// and opens them; every client and worker on the bus shares it.
	// Required.
	Keyring *seal.Keyring
	Logger  *slog.Logger
}

// Client is the API's side of the bus: it queues egress jobs, reads
// their state from the jobs bucket and sends stop and update commands to
// the worker that runs each. It implements api.Egress.
type Client struct {
	cfg     ClientConfig
	js      jetstream.JetStream
	jobs    jetstream.KeyValue
	workers jetstream.KeyValue
	locks   jetstream.KeyValue
	log     *slog.Logger
}

// NewClient sets the bus up (stream, consumer, buckets) and returns a
// Client; it fails when JetStream does not answer.
func NewClient(ctx context.Context, cfg ClientConfig) (*Client, error) {
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Costs.Transcode == 0 && cfg.Costs.Composite == 0 {
		cfg.Costs = DefaultCosts
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Keyring == nil {
		return nil, errNoKeyring
	}
	cfg.Events = redactedEvents(cfg.Events)
	bus, err := open(ctx, cfg.NC, cfg.Lease)
	if err != nil {
		return nil, err
	}
	return &Client{cfg: cfg, js: bus.js, jobs: bus.jobs, workers: bus.workers, locks: bus.locks, log: cfg.Logger}, nil
}

// Start queues a validated spec as a new job; it is pending until a
// worker with room takes it.
func (c *Client) Start(ctx context.Context, tenant string, spec types.Spec) (types.Info, error) {
	rec := c.newRecord(tenant, spec)
	id := rec.Info.ID
	b, err := rec.encode(c.cfg.Keyring)
	if err != nil {
		return types.Info{}, err
	}
	if _, err := c.jobs.Create(ctx, id, b); err != nil {
		return types.Info{}, busErr("create job", err)
	}
	if _, err := c.js.Publish(ctx, subjectRequests, []byte(id), jetstream.WithMsgID(id)); err != nil {
		_ = c.jobs.Delete(context.WithoutCancel(ctx), id)
		return types.Info{}, busErr("queue job", err)
	}
	return rec.info(), nil
}

func (c *Client) newRecord(tenant string, spec types.Spec) *Record {
	now := time.Now().UTC()
	kind, cost := c.cfg.Costs.Price(spec, c.cfg.RoomLimit)
	info := types.Info{
		ID: egress.NewJobID(), Room: spec.Room, Layout: spec.Layout, Status: types.StatusPending,
		Reason: "waiting for a worker", Kind: kind, Cost: cost, CreatedAt: now, Video: spec.Video,
		Outputs: types.OutputsInfo{RTMP: []types.RTMPInfo{}},
	}
	for _, raw := range spec.Outputs.RTMP {
		info.Outputs.RTMP = append(info.Outputs.RTMP, types.RTMPInfo{URL: egress.RedactRTMP(raw.URL), Canvas: raw.Canvas, State: types.StateConnecting})
	}
	if spec.Outputs.Record != nil {
		info.Outputs.Record = &types.RecordInfo{RecordingID: archive.NewID(now), State: types.StateConnecting}
	}
	return &Record{Info: info, Tenant: tenant, Spec: spec, Cost: cost}
}

// get reads a job's record and its revision.
func (c *Client) get(ctx context.Context, id string) (*Record, uint64, error) {
	if !jobIDRe.MatchString(id) {
		return nil, 0, fmt.Errorf("egress %q: %w", id, types.ErrNotFound)
	}
	e, err := c.jobs.Get(ctx, id)
	if isMissing(err) {
		return nil, 0, fmt.Errorf("egress %s: %w", id, types.ErrNotFound)
	}
	if err != nil {
		return nil, 0, busErr("read job", err)
	}
	rec, err := decodeRecord(e.Value(), c.cfg.Keyring)
	if err != nil {
		return nil, 0, err
	}
	return rec, e.Revision(), nil
}

// Get returns a job as the jobs bucket has it.
func (c *Client) Get(ctx context.Context, id string) (types.Info, error) {
	rec, _, err := c.get(ctx, id)
	if err != nil {
		return types.Info{}, err
	}
	return rec.info(), nil
}

// List returns the jobs matching f, newest first. It reads the bucket
// in one pass (a watcher's initial values), not one request per job.
func (c *Client) List(ctx context.Context, f types.Filter) ([]types.Info, error) {
	w, err := c.jobs.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, busErr("list jobs", err)
	}
	defer func() { _ = w.Stop() }()
	var out []types.Info
	for {
		select {
		case <-ctx.Done():
			return nil, busErr("list jobs", ctx.Err())
		case e, ok := <-w.Updates():
			if !ok {
				return nil, busErr("list jobs", errors.New("watcher closed"))
			}
			if e == nil { // every current value has been delivered
				sort.Slice(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
				return out, nil
			}
			if info, ok := c.matching(e.Value(), f); ok {
				out = append(out, info)
			}
		}
	}
}

func (c *Client) matching(b []byte, f types.Filter) (types.Info, bool) {
	rec, err := decodeRecord(b, c.cfg.Keyring)
	if err != nil {
		return types.Info{}, false
	}
	info := rec.info()
	if (f.Tenant != "" && info.Tenant != f.Tenant) || (f.Room != "" && info.Room != f.Room) || (f.ActiveOnly && !info.Active()) {
		return types.Info{}, false
	}
	return info, true
}

// Update changes the outputs of a running job through its worker.
func (c *Client) Update(ctx context.Context, id string, u types.Update) (types.Info, error) {
	cmd := Control{Op: "update", Update: &u}
	if u.ChangesLayout() {
		// A new layout may need more: the worker raises the price.
		if rec, _, err := c.get(ctx, id); err == nil {
			spec := rec.Spec
			spec.LayoutSpec = u.LayoutSpec
			cmd.Kind, cmd.Cost = c.cfg.Costs.Price(spec, c.cfg.RoomLimit)
		}
	}
	info, err := c.control(ctx, id, cmd, 15*time.Second)
	if errors.Is(err, nats.ErrNoResponders) {
		rec, _, gerr := c.get(ctx, id)
		if gerr != nil {
			return types.Info{}, gerr
		}
		if !rec.Info.Active() {
			return rec.info(), types.ErrEnded
		}
		return rec.info(), types.ErrNotRunning
	}
	return info, err
}

// Stop ends a job: through its worker when one runs it, else by marking
// the queued job stopped.
func (c *Client) Stop(ctx context.Context, id string) (types.Info, error) {
	info, err := c.control(ctx, id, Control{Op: "stop"}, 30*time.Second)
	if !errors.Is(err, nats.ErrNoResponders) {
		return info, err
	}
	for range 10 {
		rec, rev, err := c.get(ctx, id)
		if err != nil {
			return types.Info{}, err
		}
		if !rec.Info.Active() {
			return rec.info(), nil
		}
		started := rec.Started
		stopUnowned(rec)
		b, err := rec.encode(c.cfg.Keyring)
		if err != nil {
			return types.Info{}, err
		}
		if _, err := c.jobs.Update(ctx, id, b, rev); err == nil {
			c.endedUnowned(ctx, rec, started)
			return rec.info(), nil
		}
	}
	return types.Info{}, busErr("stop job", errors.New("record kept changing"))
}

// stopUnowned marks a job that no worker runs stopped: one that never
// ran, or one whose worker died and that waits to be taken over.
func stopUnowned(rec *Record) {
	now := time.Now().UTC()
	rec.StopRequested = true
	rec.Info.Status, rec.Info.EndedAt = types.StatusComplete, &now
	rec.Info.Reason = "stopped before a worker took it"
	if rec.Started {
		rec.Info.Reason = "stopped while waiting for a worker to take it over"
	}
	rec.Info.Worker, rec.Lease = "", time.Time{}
	for i := range rec.Info.Outputs.RTMP {
		if rec.Info.Outputs.RTMP[i].State != types.StateFailed {
			rec.Info.Outputs.RTMP[i].State = types.StateStopped
		}
	}
	if r := rec.Info.Outputs.Record; r != nil {
		r.State = types.StateStopped
	}
}

// endedUnowned finishes what a job stopped with no worker leaves behind:
// the recording its last worker left open is marked interrupted (its
// playlist a VOD, so it plays and can be deleted), and the job's events
// fire, as a worker would have sent them.
func (c *Client) endedUnowned(ctx context.Context, rec *Record, started bool) {
	ctx = context.WithoutCancel(ctx)
	info := rec.info()
	ready := false
	if r := rec.Info.Outputs.Record; r != nil && started && c.cfg.Finalize != nil {
		err := withRecordingLock(ctx, c.locks, r.RecordingID, "api", func(ctx context.Context) error {
			var err error
			ready, err = c.cfg.Finalize(ctx, rec.Tenant, rec.Spec.Room, r.RecordingID)
			return err
		})
		if err != nil {
			c.log.Error("recording of a stopped job left open", "egress", info.ID, "recording", r.RecordingID, "err", err)
		} else if ready {
			c.log.Info("recording of a job stopped while waiting for a worker marked interrupted", "egress", info.ID, "recording", r.RecordingID)
		}
	}
	if c.cfg.Events == nil {
		return
	}
	c.cfg.Events("egress_ended", info)
	if ready {
		c.cfg.Events("recording_ready", info)
	}
}

// control sends a command to the job's worker and decodes its answer.
func (c *Client) control(ctx context.Context, id string, cmd Control, timeout time.Duration) (types.Info, error) {
	if !jobIDRe.MatchString(id) {
		return types.Info{}, fmt.Errorf("egress %q: %w", id, types.ErrNotFound)
	}
	body, _ := json.Marshal(cmd)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	msg, err := c.cfg.NC.RequestWithContext(ctx, subjectControl+id, body)
	if errors.Is(err, nats.ErrNoResponders) {
		return types.Info{}, err
	}
	if err != nil {
		return types.Info{}, busErr("control job", err)
	}
	var rep controlReply
	if err := json.Unmarshal(msg.Data, &rep); err != nil {
		return types.Info{}, busErr("control reply", err)
	}
	return replyResult(rep)
}

func replyResult(rep controlReply) (types.Info, error) {
	var info types.Info
	if rep.Info != nil {
		info = *rep.Info
	}
	switch rep.Code {
	case "":
		return info, nil
	case "field":
		return info, &types.FieldError{Field: rep.Field, Reason: rep.Error}
	case "not_found":
		return info, fmt.Errorf("%s: %w", rep.Error, types.ErrNotFound)
	case "ended":
		return info, fmt.Errorf("%s: %w", rep.Error, types.ErrEnded)
	}
	return info, errors.New(rep.Error)
}

// Workers lists the live workers.
func (c *Client) Workers(ctx context.Context) ([]WorkerInfo, error) {
	lister, err := c.workers.ListKeys(ctx)
	if err != nil {
		return nil, busErr("list workers", err)
	}
	out := []WorkerInfo{}
	for key := range lister.Keys() {
		e, err := c.workers.Get(ctx, key)
		if err != nil {
			continue
		}
		var w WorkerInfo
		if json.Unmarshal(e.Value(), &w) == nil {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out, nil
}

// Reap ends the jobs an earlier run of an all-in-one server left behind
// (its rooms, and its only worker, went with it): active and queued jobs
// are marked failed with reason and the queue is emptied. It returns how
// many it ended.
func (c *Client) Reap(ctx context.Context, reason string) (int, error) {
	lister, err := c.jobs.ListKeys(ctx)
	if err != nil {
		return 0, busErr("list jobs", err)
	}
	n := 0
	for id := range lister.Keys() {
		rec, rev, err := c.get(ctx, id)
		if err != nil || !rec.Info.Active() {
			continue
		}
		now := time.Now().UTC()
		rec.Info.Status, rec.Info.Error, rec.Info.EndedAt = types.StatusFailed, reason, &now
		rec.Info.Reason, rec.Info.Worker, rec.Lease = "", "", time.Time{}
		b, err := rec.encode(c.cfg.Keyring)
		if err != nil {
			continue
		}
		if _, err := c.jobs.Update(ctx, id, b, rev); err == nil {
			n++
		}
	}
	st, err := c.js.Stream(ctx, StreamRequests)
	if err != nil {
		return n, busErr("requests stream", err)
	}
	if err := st.Purge(ctx); err != nil {
		return n, busErr("purge requests", err)
	}
	return n, nil
}
