package webhook

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
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

// Run delivers events until ctx ends, then returns nil within about 2 s
// (events being delivered are handed back to the stream). It lists the
// endpoints and runs one queue for each; a queue ensures the stream and
// its durable consumer and retries NATS faults with backoff. Run returns
// an error only when the endpoints cannot be listed or the NATS
// connection is closed.
func (d *Dispatcher) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return ErrAlreadyRunning
	}
	defer d.running.Store(false)
	if d.ownClient {
		defer d.client.CloseIdleConnections()
	}
	qs, err := d.setup(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, len(qs))
	for _, q := range qs {
		go func() {
			err := q.run(ctx)
			if err != nil {
				cancel() // the connection is gone for every queue
			}
			errs <- err
		}()
	}
	var first error
	for range qs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// setup lists the endpoints and makes (or keeps) a queue for each.
func (d *Dispatcher) setup(ctx context.Context) ([]*queue, error) {
	eps, err := d.endpoints(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var qs []*queue
	for _, e := range eps {
		q := d.queues[e.Name()]
		if q == nil {
			if q, err = d.newQueue(e); err != nil {
				return nil, err
			}
			d.queues[e.Name()] = q
		}
		qs = append(qs, q)
	}
	sort.Slice(qs, func(i, j int) bool { return qs[i].name < qs[j].name })
	return qs, nil
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
