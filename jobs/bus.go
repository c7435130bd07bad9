package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/storage/archive"
)

// Names on the bus.
const (
	// StreamRequests is the work queue of egress requests: one message
	// (the job id) per job, acked when the job ends.
	StreamRequests  = "ROOMCAST_EGRESS"
	subjectRequests = "roomcast.egress.requests"
	consumerWorkers = "workers"
	// BucketJobs holds every job's state, keyed by job id.
	BucketJobs = "roomcast_egress"
	// BucketWorkers holds each live worker's heartbeat, keyed by worker id.
	BucketWorkers = "roomcast_workers"
	// subjectControl + job id reaches the worker that runs the job.
	subjectControl = "roomcast.egress.control."
)

// Timing of ownership.
const (
	// DefaultLease is how long a worker owns a job without a heartbeat:
	// the AckWait of the work queue and the lease in the job's record.
	DefaultLease = 6 * time.Second
	// workerTTL is how long a silent worker stays listed.
	workerTTL = 15 * time.Second
	// jobsTTL is how long an ended job's record is kept.
	jobsTTL = 7 * 24 * time.Hour
)

var jobIDRe = regexp.MustCompile(`^EG_[A-Z2-7]{16}$`)

// Record is a job as the jobs bucket keeps it.
type Record struct {
	Info   types.Info `json:"info"`
	Tenant string     `json:"tenant"`
	// Spec is what a worker runs, with the current targets and their
	// stream keys: it never leaves the bus (the API shows Info).
	Spec types.Spec `json:"spec"`
	Cost int        `json:"cost"`
	// Lease is until when Info.Worker owns the job without a heartbeat.
	Lease time.Time `json:"lease,omitempty"`
	// StopRequested asks whoever takes the job next to end it.
	StopRequested bool `json:"stop_requested,omitempty"`
	// Started is set once a worker has run the job: a later owner
	// continues it (same recording, next generation).
	Started bool `json:"started,omitempty"`

	// sealErr is why Spec's secrets did not open (nil: they did): Spec
	// then keeps them sealed, as stored, and encode writes them back so.
	sealErr error
}

// info is the record as the API shows it.
// A running job whose worker let its lease lapse (it died, or lost the
// bus) shows as pending, with why, until another worker takes it over.
func (r *Record) info() types.Info {
	i := r.Info
	i.Tenant, i.Cost = r.Tenant, r.Cost
	if i.Active() && i.Worker != "" && !r.Lease.IsZero() && time.Now().After(r.Lease) {
		i.Status = types.StatusPending
		i.Reason = fmt.Sprintf("worker %s stopped renewing its lease at %s; waiting for a worker to take the job over",
			i.Worker, r.Lease.UTC().Format(time.RFC3339))
	}
	return i
}

// decodeRecord reads a record from the jobs bucket and opens its sealed
// secrets with ring (see secrets.go). A record whose secrets do not open
// (ErrSecretKey: another key sealed them, or they were altered) is still
// returned, its secrets sealed and the reason in sealed(), so that its
// state can be shown, stopped or failed; only running it needs them.
// The error is for a record that cannot be read at all.
func decodeRecord(b []byte, ring *seal.Keyring) (*Record, error) {
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("job record: %w", err)
	}
	if !jobIDRe.MatchString(r.Info.ID) {
		return nil, fmt.Errorf("job record: bad id %q", r.Info.ID)
	}
	spec, err := openSpec(ring, r.Info.ID, r.Spec)
	if err != nil {
		r.sealErr = err
	} else {
		r.Spec = spec
	}
	return &r, nil
}

// sealed is why the record's secrets did not open; nil when they did.
func (r *Record) sealed() error { return r.sealErr }

// encode writes the record for the jobs bucket: its secrets sealed with
// ring, its Info's URLs redacted.
func (r *Record) encode(ring *seal.Keyring) ([]byte, error) {
	w := *r
	w.Info = redactedInfo(r.Info)
	spec, err := sealSpec(ring, r.Info.ID, r.Spec, r.sealErr != nil)
	if err != nil {
		return nil, err
	}
	w.Spec = spec
	b, err := json.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("job %s: encode: %w", r.Info.ID, err)
	}
	return b, nil
}

// busHandles are what clients and workers use of the bus.
type busHandles struct {
	js                   jetstream.JetStream
	jobs, workers, locks jetstream.KeyValue
}

// open sets the bus up on nc and returns its handles.
func open(ctx context.Context, nc *nats.Conn, lease time.Duration) (busHandles, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return busHandles{}, busErr("jetstream", err)
	}
	jobsKV, workersKV, err := setup(ctx, js, lease)
	if err != nil {
		return busHandles{}, err
	}
	locks, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketLocks, History: 1, TTL: lockTTL, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return busHandles{}, busErr("locks bucket", err)
	}
	return busHandles{js: js, jobs: jobsKV, workers: workersKV, locks: locks}, nil
}

// setup creates (or updates) the stream, its consumer and the buckets.
func setup(ctx context.Context, js jetstream.JetStream, lease time.Duration) (jetstream.KeyValue, jetstream.KeyValue, error) {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamRequests, Subjects: []string{subjectRequests},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
		Duplicates: 2 * time.Minute,
	})
	if err != nil {
		return nil, nil, busErr("stream", err)
	}
	_, err = js.CreateOrUpdateConsumer(ctx, StreamRequests, jetstream.ConsumerConfig{
		Durable: consumerWorkers, AckPolicy: jetstream.AckExplicitPolicy, AckWait: lease,
		MaxAckPending: -1, MaxDeliver: -1, MaxWaiting: 512,
	})
	if err != nil {
		return nil, nil, busErr("consumer", err)
	}
	jobsKV, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketJobs, History: 1, TTL: jobsTTL, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, nil, busErr("jobs bucket", err)
	}
	workersKV, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketWorkers, History: 1, TTL: workerTTL, Storage: jetstream.MemoryStorage,
	})
	if err != nil {
		return nil, nil, busErr("workers bucket", err)
	}
	return jobsKV, workersKV, nil
}

func busErr(what string, err error) error {
	return fmt.Errorf("jobs %s: %w: %w", what, types.ErrUnavailable, err)
}

// isMissing reports a key that is not in a bucket.
func isMissing(err error) bool {
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted)
}

// Control is a request to the worker running a job.
type Control struct {
	Op     string        `json:"op"` // "stop", "update" or "orphans"
	Update *types.Update `json:"update,omitempty"`
	// Orphans are what a killed recorder of the job's recording left,
	// for its owner to merge (op "orphans").
	Orphans *archive.Orphans `json:"orphans,omitempty"`
	// Kind and Cost are an update's new class and price (a layout
	// change): the worker raises the job's price to Cost.
	Kind string `json:"kind,omitempty"`
	Cost int    `json:"cost,omitempty"`
}

// parseControl decodes and checks a command from the bus.
func parseControl(b []byte) (Control, error) {
	var c Control
	if err := json.Unmarshal(b, &c); err != nil {
		return Control{}, fmt.Errorf("control: %w", err)
	}
	switch {
	case c.Op == "stop":
	case c.Op == "update" && c.Update != nil:
	case c.Op == "orphans" && c.Orphans != nil:
	default:
		return Control{}, fmt.Errorf("control: unknown command %q", c.Op)
	}
	return c, nil
}

// controlReply is the owner's answer.
type controlReply struct {
	Info  *types.Info `json:"info,omitempty"`
	Error string      `json:"error,omitempty"`
	Code  string      `json:"code,omitempty"` // "field", "not_found", "ended"
	Field string      `json:"field,omitempty"`
}

// WorkerInfo is a worker as the workers bucket and GET /v1/workers show it.
type WorkerInfo struct {
	ID       string `json:"id"`
	Capacity int    `json:"capacity"`
	// Load is the sum of its jobs' prices; CPU is their measured CPU
	// (percent of one core): it takes a job only while the larger of the
	// two plus the job's price is within Capacity.
	Load      int       `json:"load"`
	CPU       float64   `json:"cpu"`
	Jobs      []string  `json:"jobs"`
	Draining  bool      `json:"draining,omitempty"`
	StartedAt time.Time `json:"started_at"`
	Heartbeat time.Time `json:"heartbeat"`
}
