package webhook

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// handle delivers one stream message, retrying until the endpoint takes
// it or ctx ends. It holds the pipeline meanwhile: with MaxAckPending 1
// no later event is pulled, so nothing is skipped or reordered.
func (d *Dispatcher) handle(ctx context.Context, msg jetstream.Msg) {
	log := d.msgLogger(msg)
	ev, err := decodeEvent(msg.Data())
	if err != nil {
		d.drop(msg, log, err)
		return
	}
	body, err := json.Marshal(ev)
	if err != nil { // cannot happen for a decoded Event; never crash on it
		d.drop(msg, log, err)
		return
	}
	log = log.With("event_id", ev.ID, "type", ev.Type, "egress_id", ev.EgressID)
	if !d.deliver(ctx, msg, ev, body, log) {
		d.release(msg, log)
		return
	}
	d.ack(ctx, msg, log)
}

// release hands an undelivered event back on shutdown, so the next
// Dispatcher on this durable resumes from it at once.
func (d *Dispatcher) release(msg jetstream.Msg, log *slog.Logger) {
	if err := msg.Nak(); err != nil {
		log.Warn("webhook nak on shutdown failed; redelivered after ack wait", "err", err)
	}
}

// deliver attempts the POST with exponential backoff until a 2xx (true)
// or ctx end (false).
func (d *Dispatcher) deliver(ctx context.Context, msg jetstream.Msg, ev Event, body []byte, log *slog.Logger) bool {
	b := newBackoff(d.cfg.MinBackoff, d.cfg.MaxBackoff)
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			d.stats.update(func(s *Stats) { s.Retries++ })
			d.touch(msg, log)
		}
		err := d.post(ctx, ev, body)
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		d.stats.failed(err, time.Now())
		pause := b.next()
		log.Warn("webhook delivery failed; retrying", "attempt", attempt, "pause", pause, "err", err)
		if !d.hold(ctx, msg, pause, log) {
			return false
		}
	}
}

// hold waits for pause, telling the server the message is still in
// progress often enough that it is not redelivered meanwhile.
func (d *Dispatcher) hold(ctx context.Context, msg jetstream.Msg, pause time.Duration, log *slog.Logger) bool {
	deadline := time.Now().Add(pause)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return true
		}
		if !sleep(ctx, min(left, d.ackWait/3)) {
			return false
		}
		d.touch(msg, log)
	}
}

// touch resets the message's ack timer.
func (d *Dispatcher) touch(msg jetstream.Msg, log *slog.Logger) {
	if err := msg.InProgress(); err != nil {
		log.Warn("webhook in-progress signal failed", "err", err)
	}
}

// ack confirms delivery with the server, bounded even after ctx ends. A
// lost ack means a redelivery, which receivers dedup by event ID.
func (d *Dispatcher) ack(ctx context.Context, msg jetstream.Msg, log *slog.Logger) {
	d.stats.update(func(s *Stats) { s.Delivered++ })
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ackTimeout)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		log.Warn("webhook ack failed; event may be delivered again", "err", err)
		return
	}
	log.Debug("webhook delivered")
}

// drop terminates a message that can never be delivered.
func (d *Dispatcher) drop(msg jetstream.Msg, log *slog.Logger, cause error) {
	d.stats.update(func(s *Stats) { s.Dropped++ })
	log.Error("undecodable webhook event; terminating it", "err", cause)
	if err := msg.TermWithReason("undecodable"); err != nil {
		log.Warn("webhook term failed", "err", err)
	}
}

// msgLogger tags the log with the stream position.
func (d *Dispatcher) msgLogger(msg jetstream.Msg) *slog.Logger {
	log := d.cfg.Logger.With("endpoint", d.redacted, "subject", msg.Subject())
	if md, err := msg.Metadata(); err == nil {
		log = log.With("stream_seq", md.Sequence.Stream, "delivered", md.NumDelivered)
	}
	return log
}
