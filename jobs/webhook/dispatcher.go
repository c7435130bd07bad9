package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumerName is the durable pull consumer of the global endpoint;
// a tenant's endpoint reads its own (see Endpoint.Name).
const ConsumerName = "webhooks"

const (
	pollWait    = 2 * time.Second // one pull request's lifetime; bounds shutdown
	minAckWait  = 30 * time.Second
	ackTimeout  = 5 * time.Second // bound on the acknowledged Ack
	setupFactor = 2               // AckWait >= setupFactor * Timeout
	// natsMinBackoff and natsMaxBackoff pace a queue's reconnection to
	// NATS, apart from the endpoint's: a NATS outage must not leave the
	// queues asleep for the delivery backoff cap once it is over.
	natsMinBackoff = 500 * time.Millisecond
	natsMaxBackoff = 10 * time.Second
)

// ErrAlreadyRunning is returned by Run while another Run is active.
var ErrAlreadyRunning = errors.New("webhook dispatcher already running")

// Dispatcher delivers stream events to every endpoint, each from its
// own queue: at least once, in stream order per endpoint, an endpoint's
// failures never holding another's events.
type Dispatcher struct {
	js        jetstream.JetStream
	cfg       Config
	parking   *Parking
	client    *http.Client
	ownClient bool
	ackWait   time.Duration
	pollWait  time.Duration
	running   atomic.Bool

	mu     sync.Mutex
	queues map[string]*queue // by endpoint name, once Run has listed them
}

// NewDispatcher validates cfg and returns a Dispatcher; call Run.
func NewDispatcher(js jetstream.JetStream, cfg Config) (*Dispatcher, error) {
	if js == nil {
		return nil, fmt.Errorf("%w: nil JetStream", ErrInvalidConfig)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &Dispatcher{js: js, cfg: cfg, parking: NewParking(js), client: cfg.Client, queues: map[string]*queue{}}
	if d.client == nil {
		d.client, d.ownClient = defaultClient(cfg.Outbound), true
	}
	d.ackWait = max(minAckWait, setupFactor*cfg.Timeout)
	d.pollWait = pollWait
	return d, nil
}

// Parking is the store of this Dispatcher's parked events.
func (d *Dispatcher) Parking() *Parking { return d.parking }

// Stats returns the counters summed over every endpoint.
func (d *Dispatcher) Stats() Stats {
	var sum Stats
	for _, s := range d.EndpointStats() {
		sum.add(s)
	}
	return sum
}

// EndpointStats returns each endpoint's counters, by endpoint name.
func (d *Dispatcher) EndpointStats() map[string]Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]Stats, len(d.queues))
	for name, q := range d.queues {
		out[name] = q.stats.snapshot()
	}
	return out
}

// Run delivers events until ctx ends, then returns nil within about 2 s,
// or after Config.Timeout when a POST is under way: that attempt gets
// its answer, so an event the endpoint has is not sent again. Events
// waiting for a retry are handed back to the stream. It lists the
// endpoints and runs one queue for each; a queue ensures the stream and
// its durable consumer and retries NATS faults with backoff. Every
// Config.Refresh it lists the endpoints again: a new endpoint's queue
// starts, a removed one's stops, and one whose URL or secret changed
// restarts with them (its consumer, named by the URL, keeps its place).
// Run returns an error only when the endpoints cannot be listed at start
// or the NATS connection is closed.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer d.running.Store(false)
	if d.ownClient {
		defer d.client.CloseIdleConnections()
	}
	eps, err := d.endpoints(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &runner{d: d, running: map[string]*runningQueue{}, fatal: make(chan error, 1)}
	defer r.stopAll()
	tick := time.NewTicker(d.cfg.Refresh)
	defer tick.Stop()
	for {
		if err := r.reconcile(ctx, eps); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case err := <-r.fatal:
			return err
		case <-tick.C:
		}
		next, err := d.endpoints(ctx)
		if err != nil {
			d.cfg.Logger.Warn("webhook endpoints: listing failed; keeping the current ones", "err", err)
			continue
		}
		eps = next
	}
}

// runner is Run's set of running queues.
type runner struct {
	d       *Dispatcher
	running map[string]*runningQueue // by queue name
	fatal   chan error               // a queue's end for good
}

type runningQueue struct {
	ep     Endpoint
	cancel context.CancelFunc
	done   chan struct{}
}

// reconcile starts, stops and restarts queues to match eps.
func (r *runner) reconcile(ctx context.Context, eps []Endpoint) error {
	want := map[string]Endpoint{}
	for _, e := range eps {
		want[e.Name()] = e
	}
	for name, rq := range r.running {
		if e, ok := want[name]; !ok || !e.same(rq.ep) {
			r.stop(name)
		}
	}
	for name, e := range want {
		if _, ok := r.running[name]; ok {
			continue
		}
		q, err := r.d.newQueue(e)
		if err != nil {
			return err
		}
		r.start(ctx, q)
	}
	return nil
}

func (r *runner) start(ctx context.Context, q *queue) {
	r.d.mu.Lock()
	if old := r.d.queues[q.name]; old != nil {
		q.stats.s = old.stats.snapshot() // a restart keeps the counters
	}
	r.d.queues[q.name] = q
	r.d.mu.Unlock()
	qctx, cancel := context.WithCancel(ctx)
	rq := &runningQueue{ep: q.ep, cancel: cancel, done: make(chan struct{})}
	r.running[q.name] = rq
	go func() {
		defer close(rq.done)
		if err := q.run(qctx); err != nil {
			select {
			case r.fatal <- err: // the connection is gone for every queue
			default:
			}
		}
	}()
}

// stop stops one queue and waits for it.
func (r *runner) stop(name string) {
	rq := r.running[name]
	rq.cancel()
	<-rq.done
	delete(r.running, name)
	if rq.ep.Tenant != "" {
		r.d.mu.Lock()
		delete(r.d.queues, name)
		r.d.mu.Unlock()
	}
}

func (r *runner) stopAll() {
	for name := range r.running {
		r.stop(name)
	}
}

// endpoints is the global endpoint, if any, then the listed ones.
func (d *Dispatcher) endpoints(ctx context.Context) ([]Endpoint, error) {
	var eps []Endpoint
	if d.cfg.URL != "" {
		eps = append(eps, Endpoint{URL: d.cfg.URL, Secret: d.cfg.Secret})
	}
	if d.cfg.Endpoints != nil {
		more, err := d.cfg.Endpoints.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("list webhook endpoints: %w", err)
		}
		eps = append(eps, more...)
	}
	seen := map[string]bool{}
	for _, e := range eps {
		if seen[e.Name()] {
			return nil, fmt.Errorf("%w: endpoint of tenant %q listed twice", ErrInvalidConfig, e.Tenant)
		}
		seen[e.Name()] = true
	}
	return eps, nil
}
