package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/roomcast/roomcast/api/types"
)

// markDirty asks the syncer to write a job's record.
func (w *Worker) markDirty(id string) {
	w.mu.Lock()
	w.dirty[id] = true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// syncer writes the records of changed jobs until ctx ends.
func (w *Worker) syncer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		w.mu.Lock()
		ids := make([]string, 0, len(w.dirty))
		for id := range w.dirty {
			ids = append(ids, id)
		}
		clear(w.dirty)
		w.mu.Unlock()
		for _, id := range ids {
			w.sync(ctx, id)
		}
	}
}

// heartbeat renews the leases (in-progress acks and records) and the
// worker's own entry until ctx ends.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.cfg.Lease / 3)
	defer t.Stop()
	for {
		w.putSelf(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.measure()
		w.mu.Lock()
		ids := make([]string, 0, len(w.owned))
		for id, o := range w.owned {
			ids = append(ids, id)
			_ = o.msg.InProgress()
		}
		w.mu.Unlock()
		for _, id := range ids {
			w.sync(ctx, id)
		}
	}
}

// measure samples the meter and takes each job's measured CPU; a job
// that measures over its price has its price raised (in the worker's
// load now, in its record at the next sync), with 10 % headroom so that
// noise does not raise it by one at every heartbeat. Prices never fall:
// a job may need again what it needed once.
func (w *Worker) measure() {
	if err := w.meter.Sample(); err != nil {
		w.log.Warn("measure CPU", "err", err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, o := range w.owned {
		cpu, ok := w.meter.Job(id)
		if !ok {
			continue
		}
		o.measured = cpu
		if cpu <= float64(o.cost) {
			continue
		}
		raised := int(math.Ceil(cpu * 1.1))
		w.log.Info("job uses more CPU than its price: raising it", "egress", id, "price", o.cost, "measured", round1(cpu), "new_price", raised)
		w.load += raised - o.cost
		o.cost = raised
	}
}

// raise sets a running job's class and raises its price to at least
// cost (a layout change priced by the API).
func (w *Worker) raise(id, kind string, cost int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	o := w.owned[id]
	if o == nil || cost <= 0 {
		return
	}
	if kind != "" {
		o.kind = kind
	}
	if cost > o.cost {
		w.load += cost - o.cost
		o.cost = cost
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// putSelf publishes the worker's capacity, load, measured CPU and jobs.
func (w *Worker) putSelf(ctx context.Context) {
	w.mu.Lock()
	info := WorkerInfo{ID: w.cfg.ID, Capacity: w.cfg.Capacity, Load: w.load, CPU: round1(w.measuredCPU()), Jobs: []string{}, Draining: w.draining,
		StartedAt: w.started, Heartbeat: time.Now().UTC()}
	for id := range w.owned {
		info.Jobs = append(info.Jobs, id)
	}
	w.mu.Unlock()
	b, _ := json.Marshal(info)
	if _, err := w.workers.Put(ctx, w.cfg.ID, b); err != nil && ctx.Err() == nil {
		w.log.Warn("worker heartbeat", "err", err)
	}
}

// sync writes a job's record from its pipeline's state with a fresh
// lease; a job that ended here is acked (or, handed over, put back).
func (w *Worker) sync(ctx context.Context, id string) {
	w.syncMu.Lock()
	defer w.syncMu.Unlock()
	w.mu.Lock()
	o := w.owned[id]
	w.mu.Unlock()
	if o == nil {
		return
	}
	info, err := w.mgr.Get(ctx, id)
	if err != nil {
		return // not started yet
	}
	rec := *o.rec
	rec.Info = info
	rec.Info.Tenant, rec.Info.Worker = "", w.cfg.ID
	w.mu.Lock()
	rec.Info.Kind, rec.Cost, rec.Info.Cost, rec.Info.MeasuredCPU = o.kind, o.cost, o.cost, round1(o.measured)
	w.mu.Unlock()
	rec.Lease = time.Now().Add(w.cfg.Lease).UTC()
	if spec, err := w.mgr.Spec(id); err == nil {
		rec.Spec = spec
	}
	handedOver := info.Status == types.StatusHandedOver
	if handedOver {
		rec.Info.Status, rec.Info.EndedAt, rec.Info.Worker = types.StatusPending, nil, ""
		rec.Info.Reason, rec.Lease = "handed over by worker "+w.cfg.ID+", waiting for another", time.Time{}
	}
	// Events follow the pipeline, not the bus: a transition while NATS
	// is unreachable is emitted now (the sink keeps it on disk), though
	// the record waits for NATS.
	w.emit(o, rec.Info)
	if !w.cfg.NC.IsConnected() {
		// No bus: write once it is back, rather than wait out a timeout
		// per job and hold every other job's sync (and its events).
		w.markDirtyLater(id)
		return
	}
	if !w.write(ctx, id, o, &rec) {
		return
	}
	if !info.Active() {
		w.release(id, o, handedOver)
	}
}

// write stores a record over the owner's last revision; on a conflict
// (the API marked a stop) it rereads and writes again.
func (w *Worker) write(ctx context.Context, id string, o *owned, rec *Record) bool {
	for range 3 {
		b, err := rec.encode(w.cfg.Keyring) // again after a conflict: the stop may be marked
		if err != nil {
			w.log.Error("write job record", "egress", id, "err", err)
			return false
		}
		rev, err := w.jobs.Update(ctx, id, b, o.rev)
		if err == nil {
			o.rec, o.rev = rec, rev
			return true
		}
		if !isConflict(err) {
			if ctx.Err() == nil {
				w.log.Warn("write job record", "egress", id, "err", err)
				w.markDirtyLater(id)
			}
			return false
		}
		e, gerr := w.jobs.Get(ctx, id)
		if gerr != nil {
			return false
		}
		cur, derr := decodeRecord(e.Value(), w.cfg.Keyring)
		if derr == nil && cur.Info.Worker != "" && cur.Info.Worker != w.cfg.ID {
			w.lose(id, o, cur.Info.Worker)
			return false
		}
		if derr == nil && cur.StopRequested && !rec.StopRequested {
			// The API could not reach this worker and marked the stop in
			// the record: obey it.
			rec.StopRequested = true
			go func() { _, _ = w.mgr.Stop(context.Background(), id) }()
		}
		o.rev = e.Revision()
	}
	return false
}

// lose stops a job another worker has taken over (this one's lease ran
// out, e.g. while it was cut off from NATS): its pipeline stops without
// touching the recording or the record again.
func (w *Worker) lose(id string, o *owned, by string) {
	w.log.Warn("another worker took this job over; stopping it here", "egress", id, "by", by)
	w.mu.Lock()
	if w.owned[id] == o {
		delete(w.owned, id)
		w.load -= o.cost
	}
	w.mu.Unlock()
	w.meter.Remove(id)
	if o.sub != nil {
		_ = o.sub.Unsubscribe()
	}
	go func() {
		_ = w.mgr.Abandon(context.Background(), id)
		w.mgr.Forget(id)
		close(o.stopped)
		select {
		case w.freed <- struct{}{}:
		default:
		}
	}()
}

// markDirtyLater retries a write the bus refused (e.g. NATS restarting).
func (w *Worker) markDirtyLater(id string) {
	time.AfterFunc(time.Second, func() { w.markDirty(id) })
}

// release forgets a job that ended here: acked when it ended, put back
// at once for another worker when it was handed over.
func (w *Worker) release(id string, o *owned, handedOver bool) {
	w.mu.Lock()
	if w.owned[id] != o {
		w.mu.Unlock()
		return
	}
	delete(w.owned, id)
	w.load -= o.cost
	w.mu.Unlock()
	w.meter.Remove(id)
	if o.sub != nil {
		_ = o.sub.Unsubscribe()
	}
	if handedOver {
		_ = o.msg.Nak()
	} else {
		_ = o.msg.Ack()
	}
	w.mgr.Forget(id)
	close(o.stopped)
	select {
	case w.freed <- struct{}{}:
	default:
	}
	w.log.Info("job left this worker", "egress", id, "status", o.rec.Info.Status, "handed_over", handedOver)
}

// emit sends the events a record change means.
func (w *Worker) emit(o *owned, info types.Info) {
	if w.cfg.Events == nil {
		return
	}
	info.Tenant = o.rec.Tenant
	prev := o.status
	o.status = info.Status
	switch {
	case info.Status == types.StatusActive && prev != types.StatusActive && o.fresh:
		w.cfg.Events("egress_started", info)
	case info.Status == types.StatusComplete || info.Status == types.StatusFailed:
		if prev == info.Status {
			return // emitted already; the record write is being retried
		}
		w.cfg.Events("egress_ended", info)
		if r := info.Outputs.Record; r != nil && info.Status == types.StatusComplete {
			w.cfg.Events("recording_ready", info)
		}
		return
	}
	changed := false
	for _, out := range info.Outputs.RTMP {
		if o.states[out.ID] != out.State {
			o.states[out.ID], changed = out.State, true
		}
	}
	if r := info.Outputs.Record; r != nil && o.states["record"] != r.State {
		o.states["record"], changed = r.State, true
	}
	if changed && info.Status == types.StatusActive {
		w.cfg.Events("egress_updated", info)
	}
}

// drain takes no more jobs and hands every running one over, within
// Drain.
func (w *Worker) drain() {
	w.mu.Lock()
	w.draining = true
	jobs := make(map[string]*owned, len(w.owned))
	for id, o := range w.owned {
		jobs[id] = o
	}
	w.mu.Unlock()
	if len(jobs) == 0 {
		return
	}
	w.log.Info("draining", "jobs", len(jobs), "hand_over", !w.cfg.EndOnStop)
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Drain)
	defer cancel()
	var wg sync.WaitGroup
	for id, o := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if w.cfg.EndOnStop {
				_, _ = w.mgr.Stop(ctx, id)
			} else {
				_, _ = w.mgr.Handover(ctx, id)
			}
			select {
			case <-o.stopped:
			case <-ctx.Done():
				w.log.Warn("drain timed out; the job's lease will expire", "egress", id)
			case <-time.After(2 * time.Second):
				// The bus did not take the record (down?): put the job back
				// anyway; its lease is the fallback.
				w.syncMu.Lock()
				w.release(id, o, !w.cfg.EndOnStop)
				w.syncMu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// handleControl runs a stop or update command for a job this worker
// runs and replies with the job.
func (w *Worker) handleControl(id string, m *nats.Msg) {
	reply := controlReply{}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	var info types.Info
	cmd, err := parseControl(m.Data)
	switch {
	case err != nil:
	case cmd.Op == "stop":
		info, err = w.mgr.Stop(ctx, id)
	case cmd.Op == "orphans":
		info, err = w.addOrphans(id, *cmd.Orphans)
	default:
		info, err = w.mgr.Update(ctx, id, *cmd.Update)
		if err == nil {
			w.raise(id, cmd.Kind, cmd.Cost)
		}
		w.markDirty(id) // the new targets and price go into the record
	}
	if err != nil {
		reply.Error, reply.Code = err.Error(), "error"
		var fe *types.FieldError
		switch {
		case errors.As(err, &fe):
			reply.Code, reply.Field, reply.Error = "field", fe.Field, fe.Reason
		case errors.Is(err, types.ErrNotFound):
			reply.Code = "not_found"
		case errors.Is(err, types.ErrEnded):
			reply.Code = "ended"
		}
	}
	if info.ID != "" {
		w.syncMu.Lock()
		w.mu.Lock()
		if o := w.owned[id]; o != nil {
			info.Kind, info.Cost, info.MeasuredCPU = o.kind, o.cost, round1(o.measured)
			info.Tenant = o.rec.Tenant
		}
		w.mu.Unlock()
		w.syncMu.Unlock()
		info.Worker = w.cfg.ID
		info = redactedInfo(info)
		reply.Info = &info
	}
	b, _ := json.Marshal(reply)
	_ = m.Respond(b)
}
