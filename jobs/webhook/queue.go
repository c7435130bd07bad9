package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// queue delivers one endpoint's events from its own durable consumer,
// one at a time in stream order.
type queue struct {
	d        *Dispatcher
	ep       Endpoint
	name     string
	endpoint *url.URL
	redacted string
	log      *slog.Logger
	stats    stats
	depth    atomic.Int64 // events waiting on the stream, as last seen
}

func (d *Dispatcher) newQueue(e Endpoint) (*queue, error) {
	u, err := e.check()
	if err != nil {
		return nil, err
	}
	q := &queue{d: d, ep: e, name: e.Name(), endpoint: u, redacted: redactEndpoint(u)}
	q.log = d.cfg.Logger.With("endpoint", q.redacted, "queue", q.name)
	return q, nil
}

// run delivers until ctx ends (nil) or the connection is closed.
func (q *queue) run(ctx context.Context) error {
	q.log.Info("webhook queue started")
	defer q.log.Info("webhook queue stopped")
	b := newBackoff(natsMinBackoff, natsMaxBackoff)
	for ctx.Err() == nil {
		start := time.Now()
		err := q.session(ctx)
		if time.Since(start) > natsMaxBackoff { // a healthy spell resets the pause
			b = newBackoff(natsMinBackoff, natsMaxBackoff)
		}
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("webhook queue %s: %w", q.name, err)
		}
		pause := b.next()
		q.log.Warn("webhook consumer failed; retrying", "err", err, "pause", pause)
		if !sleep(ctx, pause) {
			break
		}
	}
	return nil
}

// session sets up the consumer and pulls messages one at a time until an
// error or ctx end.
func (q *queue) session(ctx context.Context) error {
	cons, err := q.consumer(ctx)
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		msg, err := q.fetchOne(cons)
		if err != nil {
			return err
		}
		if msg == nil {
			q.depth.Store(0)
			continue
		}
		if ctx.Err() != nil {
			q.release(msg, q.msgLogger(msg))
			break
		}
		q.handle(ctx, msg)
	}
	return ctx.Err()
}

// consumer ensures the stream, the parking bucket and the durable
// consumer.
func (q *queue) consumer(ctx context.Context) (jetstream.Consumer, error) {
	if err := EnsureStream(ctx, q.d.js); err != nil {
		return nil, err
	}
	if _, err := q.d.parking.bucket(ctx); err != nil {
		return nil, err
	}
	policy, start := q.deliverPolicy()
	cons, err := q.d.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:        q.name,
		Description:    "roomcast webhook queue of one endpoint",
		DeliverPolicy:  policy,
		OptStartTime:   start,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        q.d.ackWait,
		MaxDeliver:     -1,
		MaxAckPending:  1, // stream order for this endpoint, so per-job order too
		FilterSubjects: filterSubjects(q.ep),
	})
	if err != nil {
		return nil, fmt.Errorf("ensure consumer %s: %w", q.name, err)
	}
	return cons, nil
}

// fetchOne waits up to pollWait for the next message; nil, nil when none
// arrived. It does not follow ctx: the pull request always runs to its
// end, so a message the server hands out is never lost in a cancelled
// pull (it would sit unacked for AckWait, holding every later event).
func (q *queue) fetchOne(cons jetstream.Consumer) (jetstream.Msg, error) {
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(q.d.pollWait))
	if err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", q.name, err)
	}
	var msg jetstream.Msg
	for m := range batch.Messages() { // closes by pollWait + 1 s
		msg = m
	}
	if err := batch.Error(); msg == nil && err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", q.name, err)
	}
	return msg, nil
}

// deliverPolicy is where a new consumer starts: the global one at the
// stream's start, as it always did; a tenant's endpoint with the events
// made after it was set up (Since), not a week of history, else with
// those after its queue first starts.
func (q *queue) deliverPolicy() (jetstream.DeliverPolicy, *time.Time) {
	switch {
	case q.ep.Tenant == "":
		return jetstream.DeliverAllPolicy, nil
	case !q.ep.Since.IsZero():
		since := q.ep.Since
		return jetstream.DeliverByStartTimePolicy, &since
	}
	return jetstream.DeliverNewPolicy, nil
}
