package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/egress/rtmp"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
)

// ParseRTMP validates an RTMP(S) target URL; its errors never carry the key.
func ParseRTMP(raw string) error {
	_, err := rtmp.ParseTarget(raw)
	return err
}

// CheckRTMP returns the check of a target URL's host against the
// outbound policy p (nil: the default refusals), for the API to refuse a
// target at a private, loopback or link-local address before a job
// starts; the outputs check again at connect time. Its errors name the
// host, never the key: an *outbound.RefusedError, or one that wraps
// outbound.ErrResolve.
func CheckRTMP(p *outbound.Policy) func(ctx context.Context, rawURL string) error {
	return func(ctx context.Context, raw string) error {
		t, err := rtmp.ParseTarget(raw)
		if err != nil {
			return err
		}
		return p.CheckHost(ctx, t.Host)
	}
}

// probeRTMP is a target's Supervisor Probe: a TCP dial of its server,
// to an address p allows. nil for a URL that does not parse (its output
// fails anyway).
func probeRTMP(raw string, p *outbound.Policy) func(context.Context) error {
	t, err := rtmp.ParseTarget(raw)
	if err != nil {
		return nil
	}
	addr := t.Address()
	return func(ctx context.Context) error {
		c, err := p.Dialer(net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	}
}

// NewRTMPOutput returns Deps.NewRTMP for egress/rtmp outputs. tlsCfg is
// cloned for rtmps targets (nil: the system roots). policy checks every
// connection's address (nil: the default refusals).
// observe, when not nil, receives each unit's arrival-to-write latency.
func NewRTMPOutput(tlsCfg *tls.Config, policy *outbound.Policy, observe func(*media.Unit, time.Duration)) func(string, *fanout.Reader, *slog.Logger) (Output, string, error) {
	return func(raw string, r *fanout.Reader, log *slog.Logger) (Output, string, error) {
		t, err := rtmp.ParseTarget(raw)
		if err != nil {
			return nil, "", err
		}
		chunks := r.Shared(sharedChunksKey{}, func() any { return rtmp.NewSharedChunks(0) }).(*rtmp.SharedChunks)
		group := r.Shared(writeGroupKey{}, func() any { return rtmp.NewWriteGroup() }).(*rtmp.WriteGroup)
		o := rtmp.New(rtmp.Config{Target: t, TLSConfig: tlsCfg, Outbound: policy, Logger: log,
			Chunks: chunks, Group: group, ObserveLatency: observe})
		return &rtmpOutput{out: o, src: r}, t.Redacted(), nil
	}
}

// sharedChunksKey keys the RTMP chunks the outputs of one fan-out share:
// each unit is serialised once for all of a job's targets.
type sharedChunksKey struct{}

// writeGroupKey keys the WriteGroup of one fan-out: its RTMP outputs that
// keep up are written from one goroutine.
type writeGroupKey struct{}

// rtmpOutput binds an RTMP output to its fan-out reader.
type rtmpOutput struct {
	out *rtmp.Output
	src *fanout.Reader
}

func (o *rtmpOutput) Run(ctx context.Context) error { return o.out.Run(ctx, o.src) }

func (o *rtmpOutput) Stats() OutputStats {
	st, rs := o.out.Stats(), o.src.Stats()
	return OutputStats{
		Bytes: st.Bytes, BitrateKbps: st.BitrateKbps, Connected: st.Connected,
		DroppedFrames: rs.Dropped + st.DroppedUnits,
	}
}

func (o *rtmpOutput) Close() { o.src.Close() }

// PermanentRTMP reports RTMP errors that retrying cannot fix: the
// server's rejection of the publish (a bad stream key), and a target the
// outbound policy refuses (its name resolves to a private address).
func PermanentRTMP(err error) bool {
	return errors.Is(err, rtmp.ErrRejected) || errors.Is(err, outbound.ErrRefused)
}

// RedactRTMP returns an RTMP(S) URL with its stream key hidden, for
// showing a target before an output exists.
func RedactRTMP(raw string) string {
	t, err := rtmp.ParseTarget(raw)
	if err != nil {
		return "<invalid url>"
	}
	return t.Redacted()
}
