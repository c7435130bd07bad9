package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BucketParked is the KV bucket of parked events, keyed by parked ID.
const BucketParked = "roomcast_webhook_parked"

// HeaderParkedID marks a retried event on the stream with its parked ID.
const HeaderParkedID = "Roomcast-Parked-Id"

// Parked states.
const (
	StateParked   = "parked"
	StateRetrying = "retrying" // sent back to its endpoint's queue
)

// ErrParkedNotFound is returned for an unknown parked ID, or one of
// another tenant.
var ErrParkedNotFound = errors.New("no such parked webhook event")

// Parked is an event its endpoint kept refusing, set aside so the
// endpoint's queue goes on.
type Parked struct {
	ID        string    `json:"id"`
	Endpoint  string    `json:"endpoint"` // the endpoint's Name
	Tenant    string    `json:"tenant"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`   // over every try, retries included
	LastError string    `json:"last_error"` // without the endpoint's URL
	ParkedAt  time.Time `json:"parked_at"`
	Event     Event     `json:"event"`
}

// Parking keeps parked events in the KV bucket BucketParked: they
// outlive restarts, are listed per tenant and can be sent back.
type Parking struct {
	js jetstream.JetStream
	kv atomic.Pointer[jetstream.KeyValue]
}

// NewParking returns the parked events store on js; the bucket is
// created on first use.
func NewParking(js jetstream.JetStream) *Parking { return &Parking{js: js} }

// parkedID names the parking of one event at one endpoint, so parking
// it twice (a redelivery after a crash) keeps one entry.
func newParkedID(endpoint, eventID string) string {
	sum := sha256.Sum256([]byte(endpoint + "\x00" + eventID))
	return "PK_" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:15])
}

func (p *Parking) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	if kv := p.kv.Load(); kv != nil {
		return *kv, nil
	}
	kv, err := p.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: BucketParked, Description: "roomcast webhook events parked after too many failed tries",
		Storage: jetstream.FileStorage, History: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("ensure bucket %s: %w", BucketParked, err)
	}
	p.kv.Store(&kv)
	return kv, nil
}

// park stores rec; an entry already there (a retry that failed again)
// adds its attempts.
func (p *Parking) park(ctx context.Context, rec Parked) error {
	kv, err := p.bucket(ctx)
	if err != nil {
		return err
	}
	old, err := p.get(ctx, kv, rec.ID)
	if err == nil {
		rec.Attempts += old.Attempts
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode parked %s: %w", rec.ID, err)
	}
	if _, err := kv.Put(ctx, rec.ID, b); err != nil {
		return fmt.Errorf("park event %s: %w", rec.Event.ID, err)
	}
	return nil
}

// remove forgets a parked event that was delivered after all.
func (p *Parking) remove(ctx context.Context, id string) error {
	kv, err := p.bucket(ctx)
	if err != nil {
		return err
	}
	if err := kv.Purge(ctx, id); err != nil {
		return fmt.Errorf("remove parked %s: %w", id, err)
	}
	return nil
}

func (p *Parking) get(ctx context.Context, kv jetstream.KeyValue, id string) (*Parked, error) {
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, ErrParkedNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get parked %s: %w", id, err)
	}
	var rec Parked
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return nil, fmt.Errorf("decode parked %s: %w", id, err)
	}
	return &rec, nil
}

// List returns tenant's parked events, oldest first.
func (p *Parking) List(ctx context.Context, tenant string) ([]Parked, error) {
	all, err := p.all(ctx)
	if err != nil {
		return nil, err
	}
	out := []Parked{}
	for _, rec := range all {
		if rec.Tenant == tenant {
			out = append(out, rec)
		}
	}
	return out, nil
}

// Count is how many events are parked, for every tenant.
func (p *Parking) Count(ctx context.Context) (int, error) {
	all, err := p.all(ctx)
	return len(all), err
}

func (p *Parking) all(ctx context.Context) ([]Parked, error) {
	kv, err := p.bucket(ctx)
	if err != nil {
		return nil, err
	}
	lister, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list parked: %w", err)
	}
	var out []Parked
	for key := range lister.Keys() {
		rec, err := p.get(ctx, kv, key)
		if errors.Is(err, ErrParkedNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			_ = lister.Stop()
			return nil, err
		}
		out = append(out, *rec)
	}
	slices.SortFunc(out, func(a, b Parked) int { return a.ParkedAt.Compare(b.ParkedAt) })
	return out, nil
}

// Retry sends tenant's parked event id back to its endpoint's queue,
// behind the events already there; it stays listed, as retrying, until
// it is delivered (then removed) or parked again.
func (p *Parking) Retry(ctx context.Context, tenant, id string) (Parked, error) {
	kv, err := p.bucket(ctx)
	if err != nil {
		return Parked{}, err
	}
	e, err := kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrInvalidKey) {
		return Parked{}, ErrParkedNotFound
	}
	if err != nil {
		return Parked{}, fmt.Errorf("get parked %s: %w", id, err)
	}
	var rec Parked
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return Parked{}, fmt.Errorf("decode parked %s: %w", id, err)
	}
	if rec.Tenant != tenant {
		return Parked{}, ErrParkedNotFound
	}
	if err := p.send(ctx, rec, e.Revision()); err != nil {
		return Parked{}, err
	}
	rec.State = StateRetrying
	b, _ := json.Marshal(rec)
	// A lost race (another retry, or the queue already done with it)
	// leaves the newer entry alone.
	_, _ = kv.Update(ctx, id, b, e.Revision())
	return rec, nil
}

// send publishes rec's event on its endpoint's retry subject; the
// message ID makes two retries of one revision one message.
func (p *Parking) send(ctx context.Context, rec Parked, rev uint64) error {
	body, err := json.Marshal(rec.Event)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", rec.Event.ID, err)
	}
	msg := nats.NewMsg(retryPrefix + rec.Endpoint)
	msg.Data = body
	msg.Header.Set(HeaderParkedID, rec.ID)
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(rec.ID+"-"+strconv.FormatUint(rev, 10))); err != nil {
		return fmt.Errorf("send parked %s back: %w", rec.ID, err)
	}
	return nil
}
