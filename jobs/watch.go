package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A worker answers on subjectAlive + its id while its NATS connection
// lives; the server drops the subscription the moment a killed worker's
// connection closes, so its peers notice a death in about a second
// instead of waiting for its lease to run out.
const subjectAlive = "roomcast.workers.alive."

// watchEvery is how often a worker probes its peers.
const watchEvery = 500 * time.Millisecond

// answerAlive subscribes the worker's liveness probe.
func (w *Worker) answerAlive() (*nats.Subscription, error) {
	return w.cfg.NC.Subscribe(subjectAlive+w.cfg.ID, func(m *nats.Msg) { _ = m.Respond([]byte("ok")) })
}

// peerWatch is what a worker knows of its peers' liveness.
type peerWatch struct {
	silentSince map[string]time.Time // peers that did not answer, since when
	keys        peerKeys
}

// peerKeys follows the keys of the workers bucket with one long-lived
// watcher. Listing the keys at every probe instead made the server create
// and delete a consumer each time: twice a second on every worker, for
// nothing most of the time, and a load on a NATS cluster that grows with
// the fleet.
type peerKeys struct {
	kv      jetstream.KeyValue
	watcher jetstream.KeyWatcher
	keys    map[string]bool
	ready   bool // the watcher's initial values are all in
}

// refresh applies what the watcher has delivered, without waiting for
// more, and starts a watcher when there is none (the first time, or after
// one closed). It reports whether the keys are known.
func (p *peerKeys) refresh(ctx context.Context) bool {
	if p.watcher == nil {
		w, err := p.kv.WatchAll(ctx)
		if err != nil {
			return false
		}
		p.watcher, p.keys, p.ready = w, map[string]bool{}, false
	}
	for {
		select {
		case e, ok := <-p.watcher.Updates():
			if !ok {
				p.stop()
				return false
			}
			p.apply(e)
		default:
			return p.ready
		}
	}
}

// apply takes one update of the watcher: nil marks the end of the
// initial values.
func (p *peerKeys) apply(e jetstream.KeyValueEntry) {
	switch {
	case e == nil:
		p.ready = true
	case e.Operation() == jetstream.KeyValuePut:
		p.keys[e.Key()] = true
	default: // deleted or purged
		delete(p.keys, e.Key())
	}
}

func (p *peerKeys) stop() {
	if p.watcher != nil {
		_ = p.watcher.Stop()
	}
	p.watcher, p.keys, p.ready = nil, nil, false
}

// watchPeers probes the other workers until ctx ends; one that has not
// answered for deadAfter (its connection to NATS is gone: killed, or cut
// off) loses its jobs at once: their leases are ended and their requests
// queued again, so a live worker takes them over.
func (w *Worker) watchPeers(ctx context.Context) {
	pw := &peerWatch{silentSince: map[string]time.Time{}, keys: peerKeys{kv: w.workers}}
	defer pw.keys.stop()
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		known := pw.keys.refresh(ctx)
		if w.settling() || !known {
			clear(pw.silentSince) // just (re)connected: peers may be reconnecting too
			continue
		}
		w.probePeers(ctx, pw)
	}
}

// deadAfter is how long a peer must stay unreachable before its jobs are
// taken: a third of the lease, so a connection that blips survives it.
func (w *Worker) deadAfter() time.Duration { return w.cfg.Lease / 3 }

// settling reports whether this worker (re)connected to NATS less than a
// lease ago, or is not connected: it judges no peer then.
func (w *Worker) settling() bool {
	if !w.cfg.NC.IsConnected() {
		return true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Since(w.connectedAt) < w.cfg.Lease || w.draining
}

func (w *Worker) probePeers(ctx context.Context, pw *peerWatch) {
	seen := map[string]bool{}
	for id := range pw.keys.keys {
		if id == w.cfg.ID {
			continue
		}
		seen[id] = true
		if w.answers(ctx, id) {
			delete(pw.silentSince, id)
			continue
		}
		since, ok := pw.silentSince[id]
		if !ok {
			pw.silentSince[id] = time.Now()
			continue
		}
		if time.Since(since) >= w.deadAfter() {
			w.takeFromDead(ctx, id)
			delete(pw.silentSince, id)
		}
	}
	for id := range pw.silentSince {
		if !seen[id] {
			delete(pw.silentSince, id)
		}
	}
}

// answers probes one peer; only "no responders" (its subscription is
// gone) counts as silence, not a slow bus.
func (w *Worker) answers(ctx context.Context, id string) bool {
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := w.cfg.NC.RequestWithContext(pctx, subjectAlive+id, nil)
	return !errors.Is(err, nats.ErrNoResponders)
}

// takeFromDead ends the leases of a dead worker's jobs and queues them
// again, then removes the worker from the list.
func (w *Worker) takeFromDead(ctx context.Context, dead string) {
	e, err := w.workers.Get(ctx, dead)
	if err != nil {
		return
	}
	var info WorkerInfo
	if json.Unmarshal(e.Value(), &info) != nil {
		return
	}
	w.log.Warn("a worker left NATS: taking its jobs over now", "dead", dead, "jobs", len(info.Jobs))
	for _, id := range info.Jobs {
		w.expireLease(ctx, id, dead)
	}
	_ = w.workers.Delete(ctx, dead, jetstream.LastRevision(e.Revision()))
}

// expireLease ends the lease of job id if dead still owns it, and queues
// its request again (under a new message id: the first is held, unacked,
// by the dead worker's consumer until its ack wait runs out).
func (w *Worker) expireLease(ctx context.Context, id, dead string) {
	if !jobIDRe.MatchString(id) {
		return
	}
	e, err := w.jobs.Get(ctx, id)
	if err != nil {
		return
	}
	rec, err := decodeRecord(e.Value(), w.cfg.Keyring)
	if err != nil || rec.Info.Worker != dead || !rec.Info.Active() || time.Now().After(rec.Lease) {
		return
	}
	rec.Lease = time.Now().UTC()
	b, err := rec.encode(w.cfg.Keyring)
	if err != nil {
		return
	}
	rev, err := w.jobs.Update(ctx, id, b, e.Revision())
	if err != nil {
		return // changed meanwhile: its owner is alive after all, or taken
	}
	msgID := id + "-takeover-" + strconv.FormatUint(rev, 10)
	if _, err := w.js.Publish(ctx, subjectRequests, []byte(id), jetstream.WithMsgID(msgID)); err != nil {
		w.log.Warn("queue a dead worker's job again", "egress", id, "err", err)
	}
}
