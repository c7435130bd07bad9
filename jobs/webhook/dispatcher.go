package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerName is the durable pull consumer the Dispatcher reads from.
const ConsumerName = "webhooks"

const (
	pollWait    = 2 * time.Second // one pull request's lifetime; bounds shutdown
	minAckWait  = 30 * time.Second
	ackTimeout  = 5 * time.Second // bound on the acknowledged Ack
	setupFactor = 2               // AckWait >= setupFactor * Timeout
)

// ErrAlreadyRunning is returned by Run while another Run is active.
var ErrAlreadyRunning = errors.New("webhook dispatcher already running")

// Dispatcher delivers stream events to one HTTP endpoint, at least once
// and in stream order.
type Dispatcher struct {
	js        jetstream.JetStream
	cfg       Config
	endpoint  *url.URL
	redacted  string
	client    *http.Client
	ownClient bool
	ackWait   time.Duration
	pollWait  time.Duration
	running   atomic.Bool
	stats     stats
}

// NewDispatcher validates cfg and returns a Dispatcher; call Run.
func NewDispatcher(js jetstream.JetStream, cfg Config) (*Dispatcher, error) {
	if js == nil {
		return nil, fmt.Errorf("%w: nil JetStream", ErrInvalidConfig)
	}
	cfg, u, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{js: js, cfg: cfg, endpoint: u, redacted: redactEndpoint(u), client: cfg.Client}
	if d.client == nil {
		d.client, d.ownClient = defaultClient(), true
	}
	d.ackWait = max(minAckWait, setupFactor*cfg.Timeout)
	d.pollWait = pollWait
	return d, nil
}

// Stats returns a snapshot of the counters.
func (d *Dispatcher) Stats() Stats { return d.stats.snapshot() }

// Run delivers events until ctx ends, then returns nil within about 2 s
// (an event being delivered is handed back to the stream). It ensures the
// stream and the durable consumer, and retries NATS faults with backoff;
// it returns an error only when the NATS connection is closed.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer d.running.Store(false)
	if d.ownClient {
		defer d.client.CloseIdleConnections()
	}
	log := d.cfg.Logger.With("endpoint", d.redacted)
	log.Info("webhook dispatcher started")
	defer log.Info("webhook dispatcher stopped")
	b := newBackoff(d.cfg.MinBackoff, d.cfg.MaxBackoff)
	for ctx.Err() == nil {
		start := time.Now()
		err := d.session(ctx)
		if time.Since(start) > d.cfg.MaxBackoff { // a healthy spell resets the pause
			b = newBackoff(d.cfg.MinBackoff, d.cfg.MaxBackoff)
		}
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("webhook dispatcher: %w", err)
		}
		pause := b.next()
		log.Warn("webhook consumer failed; retrying", "err", err, "pause", pause)
		if !sleep(ctx, pause) {
			break
		}
	}
	return nil
}

// session sets up the consumer and pulls messages one at a time until an
// error or ctx end.
func (d *Dispatcher) session(ctx context.Context) error {
	cons, err := d.consumer(ctx)
	if err != nil {
		return err
	}
	for ctx.Err() == nil {
		msg, err := d.fetchOne(cons)
		if err != nil {
			return err
		}
		if msg == nil {
			continue
		}
		if ctx.Err() != nil {
			d.release(msg, d.msgLogger(msg))
			break
		}
		d.handle(ctx, msg)
	}
	return ctx.Err()
}

// consumer ensures the stream and the durable consumer.
func (d *Dispatcher) consumer(ctx context.Context) (jetstream.Consumer, error) {
	if err := EnsureStream(ctx, d.js); err != nil {
		return nil, err
	}
	cons, err := d.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "roomcast webhook dispatcher",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       d.ackWait,
		MaxDeliver:    -1,
		MaxAckPending: 1, // strict stream order, so per-job order too
	})
	if err != nil {
		return nil, fmt.Errorf("ensure consumer %s: %w", ConsumerName, err)
	}
	return cons, nil
}

// fetchOne waits up to pollWait for the next message; nil, nil when none
// arrived. It does not follow ctx: the pull request always runs to its
// end, so a message the server hands out is never lost in a cancelled
// pull (it would sit unacked for AckWait, holding every later event).
func (d *Dispatcher) fetchOne(cons jetstream.Consumer) (jetstream.Msg, error) {
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(d.pollWait))
	if err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", ConsumerName, err)
	}
	var msg jetstream.Msg
	for m := range batch.Messages() { // closes by pollWait + 1 s
		msg = m
	}
	if err := batch.Error(); msg == nil && err != nil {
		return nil, fmt.Errorf("fetch from %s: %w", ConsumerName, err)
	}
	return msg, nil
}
