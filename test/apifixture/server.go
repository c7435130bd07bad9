package apifixture

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/api"
	"github.com/roomcast/roomcast/api/ratelimit"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress/rtmp"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/storage/archive"
	"github.com/roomcast/roomcast/storage/local"
)

// The fixture's tenants and their keys.
const (
	Tenant      = "acme"
	Key         = "acme-key-0123456789abcdef-SECRET"
	OtherTenant = "other"
	OtherKey    = "other-key-0123456789abcdef-SECRET"
	// AdminKey manages tenants (/v1/tenants) when Options.Tenants is set.
	AdminKey = "admin-key-0123456789abcdef-SECRET"
)

// Options change the fixture.
type Options struct {
	// Burst, when above 0, puts the API behind a rate limit of Burst
	// requests per key and one more a minute: request Burst+1 gets a 429.
	Burst int
	// Workers are GET /v1/workers's answer.
	Workers []jobs.WorkerInfo
	// Parked are the parked webhook events.
	Parked []webhook.Parked
	// Tenants serves the API with a real tenant store (an embedded NATS
	// server), holding the fixture's tenants: AdminKey manages tenants
	// and their keys, and rooms mint join tokens.
	Tenants bool
}

// Server is the API under test.
type Server struct {
	URL    string
	Egress *Egress
	Rooms  *room.Manager
	// Tenants is the tenant store with Options.Tenants, else nil.
	Tenants *tenants.Store
	store   *local.Store
	parked  *parking
}

// Start serves the API until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	var store *tenants.Store
	if opts.Tenants {
		store = startTenants(t)
	}
	rooms, err := room.NewManager(room.Config{MaxParticipants: 4, RTC: rtc.Options{LoopbackOnly: true}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := local.Open(t.TempDir(), nil)
	if err != nil {
		rooms.Close()
		t.Fatal(err)
	}
	s := &Server{Egress: NewEgress(), Rooms: rooms, Tenants: store, store: st, parked: &parking{events: opts.Parked}}
	cfg := api.Config{
		Keys:       []configs.APIKey{{Tenant: Tenant, Key: Key}, {Tenant: OtherTenant, Key: OtherKey}},
		Rooms:      rooms,
		Egress:     s.Egress,
		ParseRTMP:  parseRTMP,
		Workers:    func(context.Context) (any, error) { return workers(opts.Workers), nil },
		Recordings: archive.NewCatalog(st),
		SigningKey: bytes.Repeat([]byte{7}, 32),
		Webhooks:   s.parked,
	}
	if store != nil {
		cfg.Tenants, cfg.AdminKey = store, AdminKey
	}
	h := http.Handler(api.New(cfg))
	if opts.Burst > 0 {
		h = rateLimited(h, opts.Burst)
	}
	ts := httptest.NewServer(h)
	s.URL = ts.URL
	t.Cleanup(func() { ts.Close(); rooms.Close(); _ = st.Close() })
	return s
}

// startTenants opens a tenant store holding the fixture's tenants,
// closed at cleanup.
func startTenants(t testing.TB) *tenants.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts, err := OpenTenants(ctx, t.TempDir(), Tenant, OtherTenant)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	return ts.Store
}

func parseRTMP(raw string) error {
	_, err := rtmp.ParseTarget(raw)
	return err
}

func workers(ws []jobs.WorkerInfo) []jobs.WorkerInfo {
	if ws == nil {
		return []jobs.WorkerInfo{}
	}
	return ws
}

// rateLimited answers 429 in the API's error shape past burst requests
// of one key.
func rateLimited(h http.Handler, burst int) http.Handler {
	l := ratelimit.New(1.0/60, burst)
	keyOf := func(r *http.Request) string { return r.Header.Get("Authorization") }
	return ratelimit.Middleware(l, keyOf, func(w http.ResponseWriter, _ *http.Request, _ time.Duration) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error":{"code":"rate_limited","message":"too many requests, slow down"}}` + "\n"))
	})(h)
}

// parking is the parked webhook events of every tenant.
type parking struct {
	mu     sync.Mutex
	events []webhook.Parked
}

func (p *parking) List(_ context.Context, tenant string) ([]webhook.Parked, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []webhook.Parked{}
	for _, e := range p.events {
		if e.Tenant == tenant {
			out = append(out, e)
		}
	}
	return out, nil
}

func (p *parking) Retry(_ context.Context, tenant, id string) (webhook.Parked, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, e := range p.events {
		if e.ID == id && e.Tenant == tenant {
			p.events[i].State = webhook.StateRetrying
			return p.events[i], nil
		}
	}
	return webhook.Parked{}, webhook.ErrParkedNotFound
}

// Redacted reports whether s shows none of the fixture's secrets.
func Redacted(s string) bool {
	return !strings.Contains(s, "SECRET") && !strings.Contains(s, Key) && !strings.Contains(s, OtherKey) && !strings.Contains(s, AdminKey)
}
