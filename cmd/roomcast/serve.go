package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/roomcast/roomcast/api"
	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/room"
	"github.com/roomcast/roomcast/web"
)

// serveFlags parses the serve flags; only flags given override the config.
func serveFlags(args []string, stderr io.Writer) (string, configs.Flags, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "YAML config file (see configs/roomcast.yaml)")
	listen := fs.String("listen", "", "HTTP listen address (default 127.0.0.1:8080)")
	data := fs.String("data", "", "data directory (default ./data)")
	natsURL := fs.String("nats", "", "NATS URL; empty embeds NATS JetStream")
	workers := fs.Int("workers", 1, "egress workers to run in this process (0: none, needs --nats)")
	if err := fs.Parse(args); err != nil {
		return "", configs.Flags{}, err
	}
	var f configs.Flags
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "listen":
			f.Listen = listen
		case "data":
			f.Data = data
		case "nats":
			f.NATS = natsURL
		case "workers":
			f.Workers = workers
		}
	})
	return *cfgPath, f, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	path, flags, err := serveFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg, err := configs.Load(path, os.Getenv, flags)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log)
	if len(cfg.API.Keys) == 0 {
		key, err := generateKey()
		if err != nil {
			return err
		}
		cfg.API.Keys = []configs.APIKey{{Tenant: configs.DefaultTenant, Key: key}}
		fmt.Fprintf(stdout, "No API key configured. Generated one for this run (shown once):\n\n    %s\n\n", key)
	}
	return runServer(ctx, cfg, log, stdout)
}

func generateKey() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate API key: %w", err)
	}
	return "rc_" + hex.EncodeToString(b), nil
}

// runServer starts NATS, the rooms and the API, and serves until ctx ends.
func runServer(ctx context.Context, cfg configs.Config, log *slog.Logger, stdout io.Writer) error {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	ring, err := loadKeyring(cfg, true, log)
	if err != nil {
		return err
	}
	nc, closeNATS, err := connectNATS(cfg, log)
	if err != nil {
		return err
	}
	defer closeNATS()
	if err := checkJetStream(ctx, nc); err != nil {
		return err
	}
	tenantStore, stopTenants, err := openTenants(ctx, nc, cfg, ring, true, log)
	if err != nil {
		return err
	}
	defer stopTenants()
	rooms, err := room.NewManager(room.Config{
		MaxParticipants: cfg.Rooms.MaxParticipants,
		History:         roomHistory(cfg.Rooms),
		HistoryMaxBytes: cfg.Rooms.HistoryMaxBytes,
		RTC: rtc.Options{
			LoopbackOnly: cfg.WebRTC.LoopbackOnly,
			UDPPortMin:   cfg.WebRTC.UDPPortMin, UDPPortMax: cfg.WebRTC.UDPPortMax,
			NAT1To1IPs: cfg.WebRTC.NAT1To1IPs,
		},
		Logger: log.With("component", "room"),
	})
	if err != nil {
		return fmt.Errorf("rooms: %w", err)
	}
	defer rooms.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	defer ln.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if ln, err = api.LimitConnsPerIP(ln, cfg.Server.MaxConnsPerIP, reg, log.With("component", "http")); err != nil {
		return err
	}
	arch, err := openArchive(ctx, cfg, nc, "serve-"+workerID(cfg), tenantTargets(tenantStore), log)
	if err != nil {
		return err
	}
	defer arch.close(cfg.Server.ShutdownTimeout)
	arch.registerMetrics(reg)
	events, outbox, stopEvents, err := eventSink(ctx, nc, cfg, reg, log)
	if err != nil {
		return err
	}
	defer stopEvents() // after the workers' last events
	client, err := jobs.NewClient(ctx, jobs.ClientConfig{
		NC: nc, RoomLimit: cfg.Rooms.MaxParticipants, Costs: jobCosts(cfg), Lease: cfg.Worker.Lease,
		Finalize: arch.interruptRecording, Events: events, Keyring: ring, Logger: log.With("component", "jobs"),
	})
	if err != nil {
		return err
	}
	if cfg.NATS.URL == "" {
		// The embedded bus outlives a crash on disk, but the rooms and the
		// only worker did not: end what the last run left.
		if n, err := client.Reap(ctx, "roomcast restarted while the job ran"); err != nil {
			log.Warn("ending the last run's jobs", "err", err)
		} else if n > 0 {
			log.Info("ended the jobs of the last run", "jobs", n)
		}
	}
	internalKey, err := generateKey()
	if err != nil {
		return err
	}
	policy, err := outboundPolicy(cfg, log)
	if err != nil {
		return err
	}
	metrics := egress.NewMetrics(reg, client)
	// This process's workers read its rooms in process, without WebRTC.
	local := func(tenant string) source.LocalRoom { return rooms.In(tenant) }
	deps, err := workerDeps(cfg, "http://"+ln.Addr().String(), internalKey, local, arch, policy, metrics.ObserveLatency, log)
	if err != nil {
		return err
	}
	ret := &retention{tenants: tenantStore.Tenants, catalog: arch.catalog, emit: outbox.Add, now: time.Now, day: 24 * time.Hour, log: log.With("component", "retention")}
	stopRetention := runBackground(func(ctx context.Context) { ret.run(ctx, cfg.Storage.RetentionSweep) })
	defer stopRetention()
	parked, stopWebhooks, err := startWebhooks(ctx, nc, cfg, tenantStore, policy, reg, log)
	if err != nil {
		return err
	}
	defer stopWebhooks()
	workers, err := startWorkers(ctx, cfg, nc, ring, workerID(cfg), cfg.Worker.Count, deps, events, log)
	if err != nil {
		return err
	}
	defer workers.Stop()
	signingKey, err := api.LoadSigningKey(cfg.API.SigningKey, cfg.Data)
	if err != nil {
		return err
	}
	srv := api.New(api.Config{
		Keys: cfg.API.Keys, ServiceKeys: serviceKeys(internalKey, cfg.Worker.Key), AdminKey: cfg.API.AdminKey, Tenants: tenantStore,
		RateLimit: cfg.API.RateLimit, RateBurst: cfg.API.RateBurst, TokenMaxTTL: cfg.API.TokenMaxTTL,
		CheckURL: checkURL(policy), CheckStorage: checkStorage(log.With("component", "tenant-storage")),
		MaxBodyBytes: cfg.API.MaxBodyBytes, Rooms: rooms, Egress: client, ParseRTMP: egress.ParseRTMP,
		CheckRTMP:  egress.CheckRTMP(policy),
		Workers:    func(ctx context.Context) (any, error) { return client.Workers(ctx) },
		Recordings: arch.catalog, SigningKey: signingKey, PresignTTL: cfg.Storage.PresignTTL,
		Web: web.Handler(), Registry: reg, Logger: log.With("component", "api"), Webhooks: parked,
	})
	// Jobs stop before the HTTP server so their ingest can still end its
	// room subscription cleanly.
	return listenAndServe(ctx, cfg, ln, srv, workers.Stop, log, stdout)
}

// roomHistory is room.Config.History for rooms.history_seconds, whose 0
// keeps none (the room's own 0 is its default).
func roomHistory(r configs.Rooms) time.Duration {
	if r.HistorySeconds <= 0 {
		return -1
	}
	return time.Duration(r.HistorySeconds) * time.Second
}

// rtmpsTLS trusts the system roots plus the CAs in caFile, if any.
func rtmpsTLS(caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("egress.rtmps_ca_file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("egress.rtmps_ca_file %s: no PEM certificates", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

func connectNATS(cfg configs.Config, log *slog.Logger) (*nats.Conn, func(), error) {
	if cfg.NATS.URL != "" {
		nc, err := jobs.Dial(cfg.NATS.URL, "roomcast-serve")
		if err != nil {
			return nil, nil, err
		}
		return nc, nc.Close, nil
	}
	emb, err := jobs.StartEmbedded(filepath.Join(cfg.Data, "nats"), 10*time.Second)
	if err != nil {
		return nil, nil, err
	}
	nc, err := emb.Connect("roomcast-serve")
	if err != nil {
		emb.Close()
		return nil, nil, err
	}
	log.Info("embedded NATS JetStream started", "store", filepath.Join(cfg.Data, "nats"))
	return nc, func() { nc.Close(); emb.Close() }, nil
}

func checkJetStream(ctx context.Context, nc *nats.Conn) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream not available: %w", err)
	}
	return nil
}

func listenAndServe(ctx context.Context, cfg configs.Config, ln net.Listener, srv *api.Server, beforeShutdown func(), log *slog.Logger, stdout io.Writer) error {
	hs := api.NewHTTPServer(srv, cfg.Server)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	srv.SetReady(true)
	log.Info("listening", "addr", ln.Addr().String())
	fmt.Fprintf(stdout, "roomcast is serving on http://%s (console at http://%s/)\n", ln.Addr(), ln.Addr())
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	srv.SetReady(false)
	log.Info("shutting down")
	beforeShutdown()
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serviceKeys are the keys that reach any tenant's rooms: this process's
// own workers' and, when set, the standalone workers' (worker.key).
func serviceKeys(internal, workers string) []string {
	if workers == "" {
		return []string{internal}
	}
	return []string{internal, workers}
}
