package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/webhook"
)

// eventSink publishes a worker's job events to the events stream, for
// the webhook dispatcher. A publish that fails (NATS restarting) is
// retried for up to a minute, in order.
func eventSink(ctx context.Context, nc *nats.Conn, log *slog.Logger) (jobs.EventSink, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := webhook.EnsureStream(sctx, js); err != nil {
		return nil, err
	}
	return func(typ string, info egress.Info) {
		ev, err := webhook.NewEvent(typ, info.Tenant, info.ID, info)
		if err != nil {
			log.Warn("job event", "type", typ, "egress", info.ID, "err", err)
			return
		}
		deadline := time.Now().Add(time.Minute)
		for {
			pctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = webhook.Publish(pctx, js, ev)
			cancel()
			if err == nil || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Second)
		}
		if err != nil {
			log.Error("job event lost", "type", typ, "egress", info.ID, "err", err)
		}
	}, nil
}

// startWebhooks runs the webhook dispatcher when a URL is configured.
func startWebhooks(nc *nats.Conn, cfg configs.Config, log *slog.Logger) (stop func(), err error) {
	if cfg.Webhook.URL == "" {
		return func() {}, nil
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	d, err := webhook.NewDispatcher(js, webhook.Config{
		URL: cfg.Webhook.URL, Secret: cfg.Webhook.Secret, Logger: log.With("component", "webhook"),
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			log.Error("webhook dispatcher stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
