package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/roomcast/roomcast/api"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/pipeline/media"
)

// workerCmd runs `roomcast worker`: a worker only, against external NATS.
// SIGTERM drains it: it takes no more jobs, hands its jobs over and exits 0.
func workerCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML config file (see configs/roomcast.yaml)")
	natsURL := fs.String("nats", "", "NATS URL (required), e.g. nats://127.0.0.1:4222")
	id := fs.String("id", "", "worker name (default hostname-pid)")
	server := fs.String("server", "", "URL of roomcast serve, whose rooms jobs record")
	data := fs.String("data", "", "data directory for the upload spool (default ./data)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var f configs.Flags
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "nats":
			f.NATS = natsURL
		case "id":
			f.WorkerID = id
		case "server":
			f.Server = server
		case "data":
			f.Data = data
		}
	})
	cfg, err := configs.Load(*cfgPath, os.Getenv, f)
	if err != nil {
		return err
	}
	if cfg.NATS.URL == "" {
		return errors.New("--nats (or nats.url) is required: a worker joins an external NATS")
	}
	if cfg.Worker.Server == "" || (cfg.Worker.Key == "" && len(cfg.API.Keys) == 0) {
		return errors.New("--server (worker.server) and the workers' key (ROOMCAST_WORKER_KEY, or an API key: ROOMCAST_API_KEY) are required to subscribe to rooms")
	}
	if err := workerStorage(cfg); err != nil {
		return err
	}
	return runWorker(ctx, cfg, stdout, stderr)
}

// errLocalNotShared refuses a worker whose recordings would stay on its
// own disk, out of the API server's sight.
var errLocalNotShared = errors.New("worker: storage.backend local keeps recordings in this worker's data directory, " +
	"where the API server can neither list nor serve them, and a job taken over by another worker would be split across two disks: " +
	"set storage.local.path (env ROOMCAST_STORAGE_LOCAL_PATH) to a directory that the API server and every worker mount (e.g. NFS), " +
	"the same on each, or use storage.backend s3")

func workerStorage(cfg configs.Config) error {
	if cfg.Storage.Backend == "local" && cfg.Storage.Local.Path == "" {
		return errLocalNotShared
	}
	return nil
}

func runWorker(ctx context.Context, cfg configs.Config, stdout, stderr io.Writer) error {
	log := newLogger(stderr, cfg.Log)
	// A worker never makes a key up: it could not open what the serve
	// nodes sealed.
	ring, err := loadKeyring(cfg, false, log)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	nc, err := jobs.Dial(cfg.NATS.URL, "roomcast-worker")
	if err != nil {
		return err
	}
	defer nc.Close()
	// The tenants' settings route their recordings to their own storage.
	tenantStore, stopTenants, err := openTenants(ctx, nc, cfg, ring, false, log)
	if err != nil {
		return err
	}
	defer stopTenants()
	arch, err := openArchive(ctx, cfg, nc, workerID(cfg), tenantTargets(tenantStore), log)
	if err != nil {
		return err
	}
	defer arch.close(cfg.Worker.DrainTimeout)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	arch.registerMetrics(reg)
	policy, err := outboundPolicy(cfg, log)
	if err != nil {
		return err
	}
	var metrics *egress.Metrics
	deps, err := workerDeps(cfg, cfg.Worker.Server, roomKey(cfg), nil, arch, policy, func(u *media.Unit, d time.Duration) { metrics.ObserveLatency(u, d) }, log)
	if err != nil {
		return err
	}
	events, _, stopEvents, err := eventSink(ctx, nc, cfg, reg, log)
	if err != nil {
		return err
	}
	defer stopEvents() // after the worker's last events
	id := workerID(cfg)
	w, err := jobs.NewWorker(ctx, jobs.WorkerConfig{
		ID: id, Capacity: cfg.Worker.Capacity, NC: nc, Deps: deps, Lease: cfg.Worker.Lease,
		Drain: cfg.Worker.DrainTimeout, Events: events, Keyring: ring, Logger: log.With("component", "worker"),
	})
	if err != nil {
		return err
	}
	metrics = egress.NewMetrics(reg, w.Manager())
	stopMetrics, err := serveWorkerMetrics(cfg.Worker.MetricsListen, cfg.Server, reg, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	fmt.Fprintf(stdout, "roomcast worker %s is taking jobs from %s\n", id, jobs.RedactURL(cfg.NATS.URL))
	err = w.Run(ctx)
	log.Info("worker stopped", "id", id)
	return err
}

// serveWorkerMetrics serves /metrics and /healthz on addr ("" : none),
// with the HTTP limits of server: as `serve` has.
func serveWorkerMetrics(addr string, limits configs.ServerCfg, reg *prometheus.Registry, log *slog.Logger) (func(), error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("worker.metrics_listen %s: %w", addr, err)
	}
	limited, err := api.LimitConnsPerIP(ln, limits.MaxConnsPerIP, reg, log.With("component", "http"))
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	hs := api.NewHTTPServer(mux, limits)
	go func() {
		if err := hs.Serve(limited); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("worker metrics server", "err", err)
		}
	}()
	log.Info("worker metrics", "addr", ln.Addr().String())
	return func() { _ = hs.Close() }, nil
}

// natsCmd runs `roomcast nats`: a standalone NATS server with JetStream,
// for a fleet of workers on one machine and for tests.
func natsCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("nats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:4222", "client address")
	store := fs.String("store", "./data/nats", "JetStream store directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, err := jobs.StartServer(*listen, *store, 10*time.Second)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(stdout, "roomcast nats is serving on %s\n", srv.URL())
	<-ctx.Done()
	return nil
}

// roomKey is the key a standalone worker subscribes to rooms with: the
// workers' service key, which reaches every tenant's rooms, else the
// first API key (one tenant's).
func roomKey(cfg configs.Config) string {
	if cfg.Worker.Key != "" {
		return cfg.Worker.Key
	}
	return cfg.API.Keys[0].Key
}
