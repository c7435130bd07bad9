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
}

// roomMedia is a job's media stage: the room ingest feeding a layout that
// encodes once.
type roomMedia struct {
	src    RoomSource
	spec   Spec
	log    *slog.Logger
	layout *composite.Layout
	ingest atomic.Pointer[source.Ingest]
}

// NewRoomMedia returns Deps.NewMedia for rooms served at src.
func NewRoomMedia(src RoomSource) func(Spec, *slog.Logger) (Media, error) {
	return func(spec Spec, log *slog.Logger) (Media, error) {
		m := &roomMedia{src: src, spec: spec, log: log}
		l, err := composite.NewLayout(composite.LayoutConfig{
			RequestKeyframe: m.requestKeyframe,
			Mode:            spec.Layout, Participant: spec.Participant,
			Width: spec.Video.Width, Height: spec.Video.Height, FPS: spec.Video.FPS,
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

// requestKeyframe asks the publisher of a track for a keyframe. The
// layout calls it under its own lock, so the request goes out from
// another goroutine.
func (m *roomMedia) requestKeyframe(trackID string) {
	if ing := m.ingest.Load(); ing != nil {
		go ing.RequestKeyframe(trackID)
	}
}

// Run runs the ingest and the layout until ctx ends or either fails.
func (m *roomMedia) Run(ctx context.Context, sink func(*media.Unit)) error {
	ing, err := source.New(source.Config{
		Server: m.src.Server, Token: m.src.Token, Room: m.spec.Room, Name: "egress",
		RTC: m.src.RTC, LoopbackOnly: m.src.RTC.LoopbackOnly, Handler: m.layout,
		Logger: m.log.With("component", "ingest"),
	})
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

// EncodeTime is the time the layout has spent encoding.
func (m *roomMedia) EncodeTime() time.Duration { return m.layout.EncodeTime() }

func wrap(what string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
