// Package rtmp publishes a job's stream to one RTMP or RTMPS target
// (YouTube, Facebook, Twitch or a custom server): a Source of H.264 and AAC
// units, FLV tags, and an RTMP connection with a deadline on every network
// operation. An Output is one Run(ctx) under a supervisor that owns retries.
//
// RTMP: Adobe's Real-Time Messaging Protocol specification (2012). FLV:
// Adobe Flash Video File Format Specification v10.1, annex E.
package rtmp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"
)

// Output publishes to one target. Its Stats are safe to read concurrently.
type Output struct {
	cfg     Config
	log     *slog.Logger
	stats   stats
	running atomic.Bool
	// dial connects; tests replace it. It returns the TCP connection and
	// the connection to use (the same, or TLS over it).
	dial func(ctx context.Context) (raw, conn net.Conn, err error)
	// tsOffset is added to every timestamp (tests: extended timestamps).
	tsOffset uint32
}

// New returns an output for cfg.Target.
func New(cfg Config) *Output {
	o := &Output{cfg: cfg.withDefaults()}
	o.log = o.cfg.Logger
	o.dial = o.dialTarget
	return o
}

// Stats returns a snapshot of the counters.
func (o *Output) Stats() Stats { return o.stats.snapshot() }

// Run connects, handshakes and publishes, calls src.Reset, and sends units
// until ctx is done, the source ends (io.EOF) or an error occurs. When ctx
// is done it keeps sending to the end of the current GOP (at most
// DrainTimeout), then sends FCUnpublish and deleteStream and closes; it
// returns nil then, and when the source ends. Otherwise it returns the
// error, naming only the redacted target; errors.Is(err, ErrRejected)
// marks a refusal that retrying will not fix.
func (o *Output) Run(ctx context.Context, src Source) error {
	if o.cfg.Target.Host == "" {
		return errors.New("rtmp: no target (use ParseTarget)")
	}
	if !o.running.CompareAndSwap(false, true) {
		return errors.New("rtmp: Run called while already running")
	}
	defer o.running.Store(false)
	err := o.run(ctx, src)
	if err != nil && ctx.Err() != nil {
		o.log.Debug("rtmp: error while stopping", "target", o.cfg.Target, "err", err)
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("rtmp %s: %w", o.cfg.Target.Redacted(), err)
		o.stats.setErr(err)
		o.log.Debug("rtmp output failed", "target", o.cfg.Target, "err", err)
	}
	return err
}

func (o *Output) run(ctx context.Context, src Source) error {
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	o.stats.connected.Store(true)
	defer o.stats.connected.Store(false)
	o.log.Info("rtmp publishing", "target", o.cfg.Target)
	src.Reset()
	err = s.stream(ctx, src, o.tsOffset)
	if err == nil {
		err = s.unpublish()
		o.log.Info("rtmp unpublished", "target", o.cfg.Target, "bytes", o.stats.bytes.Load())
	}
	s.close()
	return err
}

// connect returns a session that is publishing.
func (o *Output) connect(ctx context.Context) (*session, error) {
	raw, conn, err := o.dial(ctx)
	if err != nil {
		return nil, err
	}
	s := newSession(o.cfg, &o.stats, raw, conn)
	go s.readLoop()
	stop := context.AfterFunc(ctx, func() { s.fail(context.Cause(ctx)) })
	defer stop()
	select {
	case <-s.published:
		return s, nil
	case <-s.ctx.Done():
		err := s.err()
		s.close()
		return nil, err
	}
}

// dialTarget connects with DialTimeout to an address the outbound policy
// allows and, for rtmps, runs the TLS handshake (SNI: the target host)
// within HandshakeTimeout.
func (o *Output) dialTarget(ctx context.Context) (net.Conn, net.Conn, error) {
	t := o.cfg.Target
	d := o.cfg.Outbound.Dialer(net.Dialer{Timeout: o.cfg.DialTimeout, KeepAlive: 15 * time.Second})
	raw, err := d.DialContext(ctx, "tcp", t.Address())
	if err != nil {
		return nil, nil, fmt.Errorf("connect: %w", err)
	}
	if !t.TLS {
		return raw, raw, nil
	}
	cfg := &tls.Config{}
	if o.cfg.TLSConfig != nil {
		cfg = o.cfg.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = t.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	tc := tls.Client(raw, cfg)
	hctx, cancel := context.WithTimeout(ctx, o.cfg.HandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		_ = raw.Close()
		if ctx.Err() == nil && hctx.Err() != nil {
			return nil, nil, fmt.Errorf("%w: TLS handshake: %w", ErrHandshakeTimeout, err)
		}
		return nil, nil, fmt.Errorf("tls handshake: %w", err)
	}
	return raw, tc, nil
}

// String and GoString name the output by its redacted target, so that
// printing an Output, even with %#v, cannot reveal the key.
func (o *Output) String() string   { return "rtmp output " + o.cfg.Target.Redacted() }
func (o *Output) GoString() string { return o.String() }
