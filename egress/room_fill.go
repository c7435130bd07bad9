package egress

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

// maxHistoryBytes bounds the room history a fill reads.
const maxHistoryBytes = 512 << 20

// historyTimeout bounds the fetch of a room's history.
const historyTimeout = 30 * time.Second

// WallOf maps the output's PTS to the wall clock.
func (m *roomMedia) WallOf(pts time.Duration) (time.Time, bool) { return m.layout.WallOf(pts) }

// Fill encodes the room's media between from and to, read from the
// room's history, the way the job's layout would have: the recording of
// a job taken over fills the time nobody recorded with it. Units come in
// DTS order with PTS 0 at from.
func (m *roomMedia) Fill(ctx context.Context, from, to time.Time) ([]*media.Unit, error) {
	rp, err := m.history(ctx, from)
	if err != nil {
		return nil, err
	}
	if len(rp.Units) == 0 {
		return nil, fmt.Errorf("fill: the room's history has nothing since %s", from.Format(time.RFC3339Nano))
	}
	brand, err := brandingCompositor(m.spec.Branding)
	if err != nil {
		return nil, fmt.Errorf("fill: branding: %w", err)
	}
	spec := m.spec
	cfg := composite.LayoutConfig{
		View: m.layout.View(), PlaceholderAfter: spec.PlaceholderAfter(),
		Background: spec.Video.Background, Labels: spec.Branding.ShowLabels(), Branding: brand, MuteAudio: spec.Audio.Exclude,
		Width: spec.Video.Width, Height: spec.Video.Height, FPS: spec.Video.FPS,
		VideoKbps: spec.Video.BitrateKbps, AudioKbps: spec.Audio.BitrateKbps,
		// Short GOPs, so the fill segments are short too.
		KeyframeInterval: time.Second, NoPassthrough: true,
		Logger: m.log.With("component", "fill"),
	}
	recordedCanvas(&cfg, spec)
	l, err := composite.NewLayout(cfg)
	if err != nil {
		return nil, fmt.Errorf("fill: layout: %w", err)
	}
	for _, t := range rp.Tracks {
		l.TrackAdded(t)
	}
	var out []*media.Unit
	if err := l.Replay(ctx, rp.Units, 0, to.Sub(from), func(u *media.Unit) { out = append(out, u) }); err != nil {
		return nil, fmt.Errorf("fill: %w", err)
	}
	return out, nil
}

// history fetches the room's media since from.
func (m *roomMedia) history(ctx context.Context, from time.Time) (*source.Replay, error) {
	ctx, cancel := context.WithTimeout(ctx, historyTimeout)
	defer cancel()
	u := fmt.Sprintf("%s/v1/rooms/%s/history?since=%s", m.src.Server, url.PathEscape(m.spec.Room), url.QueryEscape(from.UTC().Format(time.RFC3339Nano)))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fill: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+m.src.Token)
	if m.tenant != "" {
		req.Header.Set(source.TenantHeader, m.tenant)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fill: room history: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("fill: room history: %s: %s", resp.Status, msg)
	}
	rp, err := source.ReadReplay(io.LimitReader(resp.Body, maxHistoryBytes), from)
	if err != nil {
		return nil, fmt.Errorf("fill: room history: %w", err)
	}
	return rp, nil
}

// recordedCanvas makes cfg draw the canvas the job records, when that is
// a rendition.
func recordedCanvas(cfg *composite.LayoutConfig, spec Spec) {
	if spec.Outputs.Record == nil {
		return
	}
	for _, c := range spec.Canvases {
		if c.Name != spec.Outputs.Record.Canvas || c.Name == "" {
			continue
		}
		cfg.Width, cfg.Height, cfg.VideoKbps = c.Width, c.Height, c.BitrateKbps
		if c.Background != "" {
			cfg.Background = c.Background
		}
		if c.Layout != "" {
			cfg.View = c.View()
		}
	}
}
