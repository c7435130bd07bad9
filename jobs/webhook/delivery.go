package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// handle delivers one stream message, trying up to MaxAttempts times,
// then parks it. It holds the queue meanwhile: with MaxAckPending 1 no
// later event of this endpoint is pulled, so nothing is reordered.
func (q *queue) handle(ctx context.Context, msg jetstream.Msg) {
	log := q.msgLogger(msg)
	ev, err := decodeEvent(msg.Data())
	if err != nil {
		q.drop(msg, log, err)
		return
	}
	body, err := json.Marshal(ev)
	if err != nil { // cannot happen for a decoded Event; never crash on it
		q.drop(msg, log, err)
		return
	}
	parkedID := msg.Headers().Get(HeaderParkedID)
	log = log.With("event_id", ev.ID, "type", ev.Type, "egress_id", ev.EgressID)
	attempts, err := q.deliver(ctx, msg, ev, body, log)
	switch {
	case err == nil:
		q.delivered(ctx, msg, parkedID, log)
	case ctx.Err() != nil:
		q.release(msg, log)
	default:
		q.park(ctx, msg, ev, parkedID, attempts, err, log)
	}
}

// deliver attempts the POST with exponential backoff until a 2xx (nil),
// MaxAttempts failures (the last error) or ctx end. An attempt under way
// when ctx ends runs to its answer, at most Timeout: the endpoint may
// already have the event, and cutting the POST off would hand the event
// back to the queue and send it a second time.
func (q *queue) deliver(ctx context.Context, msg jetstream.Msg, ev Event, body []byte, log *slog.Logger) (int, error) {
	b := newBackoff(q.d.cfg.MinBackoff, q.d.cfg.MaxBackoff)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			q.stats.update(func(s *Stats) { s.Retries++ })
			q.touch(msg, log)
		}
		err := q.post(context.WithoutCancel(ctx), ev, body)
		if err == nil || ctx.Err() != nil {
			return attempt, err
		}
		q.stats.failed(err, time.Now())
		if attempt >= q.d.cfg.MaxAttempts {
			return attempt, err
		}
		pause := b.next()
		log.Warn("webhook delivery failed; retrying", "attempt", attempt, "pause", pause, "err", err)
		if !q.hold(ctx, msg, pause, log) {
			return attempt, ctx.Err()
		}
	}
}

// delivered acks the message and forgets its parked entry, if it was a
// retry.
func (q *queue) delivered(ctx context.Context, msg jetstream.Msg, parkedID string, log *slog.Logger) {
	if parkedID != "" {
		if err := q.d.parking.remove(ctx, parkedID); err != nil {
			log.Warn("retried webhook delivered but still listed as parked", "parked_id", parkedID, "err", err)
		}
	}
	q.ack(ctx, msg, log)
}

// park sets an event aside after its last failed try, then acks it so
// the queue goes on. If the store fails, the event is handed back and
// tried again later rather than lost.
func (q *queue) park(ctx context.Context, msg jetstream.Msg, ev Event, parkedID string, attempts int, cause error, log *slog.Logger) {
	if parkedID == "" {
		parkedID = newParkedID(q.name, ev.ID)
	}
	reason := cause.Error()
	var ae *attemptError
	if errors.As(cause, &ae) {
		reason = ae.reason
	}
	rec := Parked{ID: parkedID, Endpoint: q.name, Tenant: ev.Tenant, State: StateParked, Attempts: attempts,
		LastError: reason, ParkedAt: time.Now().UTC(), Event: ev}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := q.d.parking.park(pctx, rec); err != nil {
		log.Error("webhook event could not be parked; it stays queued", "err", err)
		q.release(msg, log)
		return
	}
	q.stats.update(func(s *Stats) { s.Parked++ })
	log.Warn("webhook event parked after its last try", "attempts", attempts, "parked_id", parkedID, "err", cause)
	if err := msg.DoubleAck(pctx); err != nil {
		log.Warn("webhook ack of a parked event failed; it may be tried again", "err", err)
	}
}

// release hands an undelivered event back (shutdown), so the next
// queue on this durable resumes from it at once.
func (q *queue) release(msg jetstream.Msg, log *slog.Logger) {
	if err := msg.Nak(); err != nil {
		log.Warn("webhook nak failed; redelivered after ack wait", "err", err)
	}
}

// hold waits for pause, telling the server the message is still in
// progress often enough that it is not redelivered meanwhile.
func (q *queue) hold(ctx context.Context, msg jetstream.Msg, pause time.Duration, log *slog.Logger) bool {
	deadline := time.Now().Add(pause)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		if !sleep(ctx, min(left, q.d.ackWait/3)) {
			return false
		}
		q.touch(msg, log)
	}
}

// touch resets the message's ack timer.
func (q *queue) touch(msg jetstream.Msg, log *slog.Logger) {
	if err := msg.InProgress(); err != nil {
		log.Warn("webhook in-progress signal failed", "err", err)
	}
}

// ack confirms delivery with the server, bounded even after ctx ends. A
// lost ack means a redelivery, which receivers dedup by event ID.
func (q *queue) ack(ctx context.Context, msg jetstream.Msg, log *slog.Logger) {
	q.stats.update(func(s *Stats) { s.Delivered++ })
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		log.Warn("webhook ack failed; event may be delivered again", "err", err)
		return
	}
	log.Debug("webhook delivered")
}

// drop terminates a message that can never be delivered.
func (q *queue) drop(msg jetstream.Msg, log *slog.Logger, cause error) {
	q.stats.update(func(s *Stats) { s.Dropped++ })
	log.Error("undecodable webhook event; terminating it", "err", cause)
	if err := msg.TermWithReason("undecodable"); err != nil {
		log.Warn("webhook term failed", "err", err)
	}
}

// msgLogger tags the log with the stream position, and notes how many
// events wait behind this one.
func (q *queue) msgLogger(msg jetstream.Msg) *slog.Logger {
	log := q.log.With("subject", msg.Subject())
	if md, err := msg.Metadata(); err == nil {
		q.depth.Store(int64(md.NumPending) + 1)
		log = log.With("stream_seq", md.Sequence.Stream, "delivered", md.NumDelivered)
	}
	return log
}
