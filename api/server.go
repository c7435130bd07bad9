// Package api is roomcast's HTTP API: rooms, WHIP publish, room
// subscriptions and room history under /v1 (bearer-key auth), health and
// metrics, and the embedded web pages.
package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/storage/archive"
)

// Config wires the API to the services it fronts.
type Config struct {
	Keys []configs.APIKey
	// ServiceKeys are the workers' keys: they reach any tenant's rooms by
	// naming it in the Roomcast-Tenant header, and nothing without it.
	ServiceKeys []string
	// AdminKey manages tenants (/v1/tenants); it is not a tenant key.
	// Empty: no tenant administration.
	AdminKey string
	// Tenants holds tenants, their API keys and join-token secrets; nil:
	// configured keys only, and no join tokens.
	Tenants *tenants.Store
	// RateLimit is each key's sustained requests per second on /v1, with
	// bursts of RateBurst; 0 is unlimited.
	RateLimit float64
	RateBurst int
	// CheckURL refuses a URL (a tenant's webhook) whose host the outbound
	// network policy refuses; nil: no check.
	CheckURL func(ctx context.Context, rawURL string) error
	// CheckStorage tries a tenant's own storage settings (its bucket and
	// credentials); nil: no check.
	CheckStorage func(ctx context.Context, st tenants.Storage) error
	// TokenMaxTTL caps a join token's life (default 24 h).
	TokenMaxTTL  time.Duration
	MaxBodyBytes int64
	Rooms        *room.Manager
	Egress       Egress // nil: no egress endpoints
	// Workers lists the egress workers for GET /v1/workers (nil: none).
	Workers   func(ctx context.Context) (any, error)
	ParseRTMP func(string) error // validates an RTMP(S) target URL
	// CheckRTMP refuses an RTMP(S) target whose host the outbound
	// network policy refuses (egress.CheckRTMP); nil: the default
	// policy, which refuses loopback, private, link-local … hosts.
	CheckRTMP func(ctx context.Context, rawURL string) error
	Web       http.Handler // the embedded pages; nil serves none
	Registry  *prometheus.Registry
	Logger    *slog.Logger
	// Recordings is the catalog of stored recordings; nil: no recording
	// endpoints.
	Recordings *archive.Catalog
	// SigningKey signs playlist links to recording files for stores that
	// cannot presign (32 random bytes); required with Recordings.
	SigningKey []byte
	// PresignTTL is how long playlist links stay valid (default 6 h).
	PresignTTL time.Duration
	// Webhooks lists and retries parked webhook events; nil: none.
	Webhooks WebhookParking
}

// Server routes HTTP requests. It is ready once SetReady(true) is called.
type Server struct {
	cfg   Config
	auth  *authenticator
	log   *slog.Logger
	ready atomic.Bool
	mux   *routeMux
}

// New builds the API server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.TokenMaxTTL <= 0 {
		cfg.TokenMaxTTL = 24 * time.Hour
	}
	if cfg.CheckRTMP == nil {
		cfg.CheckRTMP = checkRTMPDefault
	}
	s := &Server{cfg: cfg, auth: newAuthenticator(cfg), log: cfg.Logger, mux: &routeMux{}}
	s.routes()
	return s
}

// SetReady marks the server ready (or not) for /healthz.
func (s *Server) SetReady(v bool) { s.ready.Store(v) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /v1/openapi.yaml", serveOpenAPI)
	if s.cfg.Registry != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	}
	v1 := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.auth.require(accessTenant, h)) }
	media := func(pattern string, h http.HandlerFunc) { s.mux.Handle(pattern, s.auth.require(accessMedia, h)) }
	v1("POST /v1/rooms", s.createRoom)
	v1("GET /v1/rooms", s.listRooms)
	v1("GET /v1/rooms/{room}", s.getRoom)
	v1("DELETE /v1/rooms/{room}", s.deleteRoom)
	v1("GET /v1/rooms/{room}/history", s.roomHistory)
	media("POST /v1/rooms/{room}/whip", s.publish)
	media("DELETE /v1/rooms/{room}/whip/{id}", s.unpublish)
	media("PATCH /v1/rooms/{room}/whip/{id}", s.noTrickle)
	media("POST /v1/rooms/{room}/subscribe", s.subscribe)
	media("DELETE /v1/rooms/{room}/subscribe/{id}", s.unsubscribe)
	media("GET /v1/rooms/{room}/relay", s.relaySubscribe)
	s.egressRoutes(v1)
	if s.cfg.Workers != nil {
		v1("GET /v1/workers", s.listWorkers)
	}
	s.recordingRoutes(v1)
	s.webhookRoutes(v1)
	v1("POST /v1/rooms/{room}/tokens", s.createToken)
	v1("GET /v1/usage", s.ownUsage)
	s.tenantRoutes()
	v1("/v1/", s.notFound)
	if s.cfg.Web != nil {
		s.mux.Handle("/", s.cfg.Web)
	}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		writeError(w, http.StatusServiceUnavailable, "starting")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) listWorkers(w http.ResponseWriter, r *http.Request) {
	ws, err := s.cfg.Workers(r.Context())
	if err != nil {
		s.log.Warn("list workers", "err", err)
		writeError(w, http.StatusServiceUnavailable, "job bus unavailable, try again")
		return
	}
	view, err := s.ownJobsOnly(r, ws)
	if err != nil {
		s.writeEgressError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"workers": view})
}

// ownJobsOnly is the workers as the request's tenant may see them: each
// worker's load and state, and of its jobs only the tenant's own.
func (s *Server) ownJobsOnly(r *http.Request, ws any) ([]types.Worker, error) {
	var out []types.Worker
	b, err := json.Marshal(ws)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("workers: %w", err)
	}
	own := map[string]bool{}
	if s.cfg.Egress != nil {
		jobs, err := s.cfg.Egress.List(r.Context(), types.Filter{Tenant: tenantOf(r)})
		if err != nil {
			return nil, err
		}
		for _, j := range jobs {
			own[j.ID] = true
		}
	}
	for i := range out {
		out[i].Jobs = slices.DeleteFunc(out[i].Jobs, func(id string) bool { return !own[id] })
		if out[i].Jobs == nil {
			out[i].Jobs = []string{}
		}
	}
	if out == nil {
		out = []types.Worker{}
	}
	return out, nil
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
}
