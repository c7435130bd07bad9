package egress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/rtc"
	"github.com/roomcast/roomcast/pipeline/source"
)

// RoomSource says how a worker subscribes to rooms: the room server's
// URL, a key it accepts, and the ICE network.
type RoomSource struct {
	Server, Token string
	RTC           rtc.Options
	// Relay reads rooms over relay connections (source.Config.Relay)
	// instead of WebRTC.
	Relay bool
	// Local, when set, gives a tenant's rooms in this process (the
	// all-in-one server's): jobs read them without WebRTC (source.LocalRoom)
	// and use Server only for the room's history.
	Local func(tenant string) source.LocalRoom
}

// ingestConfig is the ingest of a job in tenant's room spec.Room.
func (src RoomSource) ingestConfig(tenant string, spec Spec) source.Config {
	cfg := source.Config{Room: spec.Room, Name: "egress"}
	if src.Local != nil {
		cfg.Local = src.Local(tenant)
		return cfg
	}
	cfg.Server, cfg.Token, cfg.Tenant = src.Server, src.Token, tenant
	cfg.RTC, cfg.LoopbackOnly, cfg.Relay = src.RTC, src.RTC.LoopbackOnly, src.Relay
	return cfg
}

// roomMedia is a job's media stage: the room ingest feeding a layout that
// encodes once.
type roomMedia struct {
	src    RoomSource
	tenant string // the room's
	spec   Spec
	log    *slog.Logger
	layout *composite.Layout
	tap    source.Handler // nil, or sees the room's tracks too
	ingest atomic.Pointer[source.Ingest]
}

// NewRoomMedia returns Deps.NewMedia for rooms served at src.
func NewRoomMedia(src RoomSource) func(string, Spec, source.Handler, *slog.Logger) (Media, error) {
	return func(tenant string, spec Spec, tap source.Handler, log *slog.Logger) (Media, error) {
		m := &roomMedia{src: src, tenant: tenant, spec: spec, log: log, tap: tap}
		brand, err := brandingCompositor(spec.Branding)
		if err != nil {
			return nil, fmt.Errorf("branding: %w", err)
		}
		start := time.Duration(0) // the ingest's epoch: see Run
		l, err := composite.NewLayout(composite.LayoutConfig{
			RequestKeyframe: m.requestKeyframe, Start: &start,
			View: spec.View(), PlaceholderAfter: spec.PlaceholderAfter(),
			Background: spec.Video.Background, Labels: spec.Branding.ShowLabels(), Branding: brand, MuteAudio: spec.Audio.Exclude,
			Canvases: canvasConfigs(spec),
			Width:    spec.Video.Width, Height: spec.Video.Height, FPS: spec.Video.FPS,
			VideoKbps: spec.Video.BitrateKbps, AudioKbps: spec.Audio.BitrateKbps,
			KeyframeInterval: time.Duration(spec.Video.KeyframeSeconds * float64(time.Second)),
			Logger:           log.With("component", "layout"),
		})
		if err != nil {
			return nil, fmt.Errorf("layout: %w", err)
		}
		m.layout = l
		return m, nil
	}
}

// RequestKeyframe asks for a keyframe on a canvas soon (keyframeRequester).
func (m *roomMedia) RequestKeyframe(canvas string) { m.layout.RequestKeyframe(canvas) }

// requestKeyframe asks the publisher of a track for a keyframe. The
// layout calls it under its own lock, so the request goes out from
// another goroutine.
func (m *roomMedia) requestKeyframe(trackID string) {
	if ing := m.ingest.Load(); ing != nil {
		go ing.RequestKeyframe(trackID)
	}
}

// Run runs the ingest and the layout until ctx ends or either fails.
// The ingest's PTS 0 is now, where the layout starts (LayoutConfig.Start):
// the seconds a room caches for new subscribers precede it, and the
// output does not open with them.
func (m *roomMedia) Run(ctx context.Context, sink func(*media.Unit)) error {
	cfg := m.src.ingestConfig(m.tenant, m.spec)
	cfg.Handler, cfg.Logger = m.handler(), m.log.With("component", "ingest")
	cfg.Epoch = time.Now()
	ing, err := source.New(cfg)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	m.ingest.Store(ing)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- wrap("ingest", ing.Run(ctx)) }()
	go func() { errc <- wrap("layout", m.layout.Run(ctx, sink)) }()
	first := <-errc
	cancel()
	return errors.Join(first, <-errc)
}

// Quality reports the layout's quality so far.
func (m *roomMedia) Quality() composite.Quality { return m.layout.Quality() }

// Canvases reports the layout's canvases.
func (m *roomMedia) Canvases() []composite.CanvasStats { return m.layout.Canvases() }

// SetLayout changes the picture from the next frame.
func (m *roomMedia) SetLayout(l LayoutSpec) error { return m.layout.SetView(l.View()) }

// EncodeTime is the time the layout has spent encoding.
func (m *roomMedia) EncodeTime() time.Duration { return m.layout.EncodeTime() }

// DecodeTime is the time the layout has spent decoding.
func (m *roomMedia) DecodeTime() time.Duration { return m.layout.DecodeTime() }

func wrap(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// handler is what the ingest feeds: the layout, and the tap if any.
func (m *roomMedia) handler() source.Handler {
	if m.tap == nil {
		return m.layout
	}
	return tee{m.layout, m.tap}
}

// tee hands every call to two handlers in turn.
type tee [2]source.Handler

func (t tee) TrackAdded(tr *media.Track) {
	t[0].TrackAdded(tr)
	t[1].TrackAdded(tr)
}

func (t tee) Unit(u *media.Unit) {
	t[0].Unit(u)
	t[1].Unit(u)
}

func (t tee) TrackRemoved(tr *media.Track) {
	t[0].TrackRemoved(tr)
	t[1].TrackRemoved(tr)
}

// TracksAnnounced hands the room's track set to each handler that wants it.
func (t tee) TracksAnnounced(ts []media.Track) {
	for _, h := range t {
		if a, ok := h.(source.Announcer); ok {
			a.TracksAnnounced(ts)
		}
	}
}

// The layout waits for announced video before it starts; through the tee
// too.
var (
	_ source.Announcer = (*composite.Layout)(nil)
	_ source.Announcer = tee{}
)
