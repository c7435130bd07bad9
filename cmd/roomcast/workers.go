package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/egress"
	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/jobs"
	"github.com/roomcast/roomcast/jobs/seal"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
)

// workerDeps builds what a worker's jobs need: rooms served at server
// (subscribed to with token; read in process through local when it is
// set, as in the all-in-one server), RTMP outputs that connect where
// policy allows, and the archive.
func workerDeps(cfg configs.Config, server, token string, local func(string) source.LocalRoom, arch *archiveService, policy *outbound.Policy, observe func(*media.Unit, time.Duration), log *slog.Logger) (egress.Deps, error) {
	tlsCfg, err := rtmpsTLS(cfg.Egress.RTMPSCAFile)
	if err != nil {
		return egress.Deps{}, err
	}
	return egress.Deps{
		NewMedia: egress.NewRoomMedia(egress.RoomSource{
			Server: server, Token: token,
			RTC:   rtc.Options{LoopbackOnly: cfg.WebRTC.LoopbackOnly},
			Relay: cfg.Worker.RoomTransport != configs.RoomTransportWebRTC,
			Local: local,
		}),
		NewRTMP:      egress.NewRTMPOutput(tlsCfg, policy, observe),
		Outbound:     policy,
		NewRecording: arch.newRecording,
		RecordRoom:   arch.recordRoom,
		Permanent:    egress.PermanentRTMP,
		Backoff:      egress.Backoff{Base: time.Second, Max: cfg.Egress.RTMPMaxBackoff},
		Logger:       log.With("component", "egress"),
	}, nil
}

// loadKeyring is the keyring that seals the job records' secrets
// (configs.LoadKeyring): secret_key, else data/secret.key, which create
// (serve) generates when missing. The key is never logged, its id is.
func loadKeyring(cfg configs.Config, create bool, log *slog.Logger) (*seal.Keyring, error) {
	ring, err := configs.LoadKeyring(cfg.SecretKey, cfg.Data, create)
	if err != nil {
		return nil, err
	}
	if cfg.SecretKey != "" {
		log.Info("secrets at rest sealed with secret_key", "key_id", ring.ActiveID(), "keys", len(ring.IDs()))
		return ring, nil
	}
	path := filepath.Join(cfg.Data, configs.SecretKeyFile)
	if cfg.NATS.URL != "" {
		log.Warn("no secret_key configured: secrets at rest are sealed with the key in "+path+
			"; every node on this NATS (other serve nodes, roomcast worker) needs the same: set ROOMCAST_SECRET_KEY on each to its content",
			"key_id", ring.ActiveID())
	} else {
		log.Info("secrets at rest sealed with the key in "+path, "key_id", ring.ActiveID())
	}
	return ring, nil
}

// workerID is the configured id, else hostname-pid.
func workerID(cfg configs.Config) string {
	if cfg.Worker.ID != "" {
		return cfg.Worker.ID
	}
	host, _ := os.Hostname()
	host = regexp.MustCompile(`[^A-Za-z0-9_.-]`).ReplaceAllString(host, "-")
	if host == "" || host[0] == '.' || host[0] == '-' {
		host = "worker"
	}
	if len(host) > 40 {
		host = host[:40]
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// workerPool runs workers until Stop, which drains them.
type workerPool struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startWorkers starts n workers named id (or id-1 … id-n) on nc, opening
// the job records with ring.
func startWorkers(ctx context.Context, cfg configs.Config, nc *nats.Conn, ring *seal.Keyring, id string, n int, deps egress.Deps, events jobs.EventSink, log *slog.Logger) (*workerPool, error) {
	runCtx, cancel := context.WithCancel(context.Background())
	p := &workerPool{cancel: cancel}
	meter := jobs.NewCPUMeter(jobs.MeterConfig{}) // one process, one CPU clock
	for i := 1; i <= n; i++ {
		name := id
		if n > 1 {
			name = fmt.Sprintf("%s-%d", id, i)
		}
		w, err := jobs.NewWorker(ctx, jobs.WorkerConfig{
			ID: name, Capacity: cfg.Worker.Capacity, NC: nc, Deps: deps, Lease: cfg.Worker.Lease,
			Drain: cfg.Worker.DrainTimeout, EndOnStop: cfg.NATS.URL == "", Events: events, Meter: meter,
			Keyring: ring, Logger: log.With("component", "worker"),
		})
		if err != nil {
			p.Stop()
			return nil, err
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			_ = w.Run(runCtx)
		}()
	}
	return p, nil
}

// Stop drains every worker: their jobs are handed over (or, in the
// all-in-one server, end with the process).
func (p *workerPool) Stop() {
	p.cancel()
	p.wg.Wait()
}

func jobCosts(cfg configs.Config) jobs.Costs {
	c := cfg.Worker.Costs
	out := jobs.Costs{Transcode: c.Transcode, Composite: c.Composite,
		Tiles: jobs.DefaultTileCosts, Rendition: jobs.DefaultRenditionCost}
	if len(c.CompositeTiles) > 0 {
		out.Tiles = map[string]jobs.TileCosts{}
		for layout, byTiles := range c.CompositeTiles {
			out.Tiles[layout] = jobs.TileCosts(byTiles)
		}
	}
	if c.Rendition > 0 {
		out.Rendition = c.Rendition
	}
	return out
}
