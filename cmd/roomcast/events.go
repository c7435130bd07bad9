package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/api/types"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/tenants"
	"github.com/roomcast/roomcast/jobs/webhook"
)

// eventSink writes a process's job events to its outbox (data/outbox),
// which publishes them to the events stream for the webhook queues, in
// order, as soon as NATS takes them. stop ends the publishing (after a
// last bounded pass); events left wait on disk for the next run.
func eventSink(ctx context.Context, nc *nats.Conn, cfg configs.Config, reg *prometheus.Registry, log *slog.Logger) (jobs.EventSink, *webhook.Outbox, func(), error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := webhook.EnsureStream(sctx, js); err != nil {
		return nil, nil, nil, err
	}
	out, err := webhook.OpenOutbox(webhook.OutboxConfig{
		Dir: filepath.Join(cfg.Data, "outbox"), MaxBytes: cfg.Webhook.OutboxMaxBytes,
		Publish: webhook.PublishTo(js), Logger: log.With("component", "webhook-outbox"),
	})
	if err != nil {
		return nil, nil, nil, err
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "roomcast_webhook_outbox_events", Help: "Job events on local disk waiting for NATS.",
	}, func() float64 { return float64(out.Len()) }))
	runCtx, stopRun := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); out.Run(runCtx) }()
	sink := func(typ string, info types.Info) {
		ev, err := webhook.NewEvent(typ, info.Tenant, info.ID, info)
		if err == nil {
			err = out.Add(ev)
		}
		if err != nil {
			log.Error("job event lost", "type", typ, "egress", info.ID, "err", err)
		}
	}
	return sink, out, func() { stopRun(); <-done; out.Close() }, nil
}

// startWebhooks runs the webhook dispatcher for the configured endpoints
// and the tenants' own (whose settings it follows while it runs); the
// parked events store is there either way, for the API.
func startWebhooks(ctx context.Context, nc *nats.Conn, cfg configs.Config, store *tenants.Store, policy *outbound.Policy, reg *prometheus.Registry, log *slog.Logger) (*webhook.Parking, func(), error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, err
	}
	h := cfg.Webhook
	if h.URL == "" && len(h.Endpoints) == 0 && store == nil {
		return webhook.NewParking(js), func() {}, nil
	}
	if err := checkWebhookHosts(ctx, h, policy, log); err != nil {
		return nil, nil, err
	}
	eps := endpointSource{store: store}
	for _, e := range h.Endpoints {
		eps.static = append(eps.static, webhook.Endpoint{Tenant: e.Tenant, URL: e.URL, Secret: e.Secret})
	}
	d, err := webhook.NewDispatcher(js, webhook.Config{
		URL: h.URL, Secret: h.Secret, Endpoints: eps, MaxAttempts: h.MaxAttempts,
		MinBackoff: h.MinBackoff, MaxBackoff: h.MaxBackoff, Outbound: policy, Logger: log.With("component", "webhook"),
	})
	if err != nil {
		return nil, nil, err
	}
	reg.MustRegister(d.Collector())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			log.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	return d.Parking(), func() { cancel(); <-done }, nil
}

// endpointSource is the configured webhook endpoints, then each enabled
// tenant's own (one the config already lists is not listed twice).
type endpointSource struct {
	static []webhook.Endpoint
	store  *tenants.Store // nil: none
}

func (e endpointSource) List(context.Context) ([]webhook.Endpoint, error) {
	out := append([]webhook.Endpoint(nil), e.static...)
	if e.store == nil {
		return out, nil
	}
	seen := map[string]bool{}
	for _, ep := range out {
		seen[ep.Name()] = true
	}
	for _, t := range e.store.Tenants() {
		h := t.Settings.Webhook
		if t.Disabled || h == nil || h.URL == "" || h.Secret == "" {
			continue
		}
		ep := webhook.Endpoint{Tenant: t.ID, URL: h.URL, Secret: h.Secret, Since: h.Since}
		if !seen[ep.Name()] {
			seen[ep.Name()] = true
			out = append(out, ep)
		}
	}
	return out, nil
}
