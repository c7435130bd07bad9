package egress

import (
	"context"
	"time"
)

// OutputStats are an output's own counters.
type OutputStats struct {
	Bytes         uint64
	BitrateKbps   int
	DroppedFrames uint64
	Connected     bool
}

// Output is one destination bound to its reader of the job's stream.
type Output interface {
	Run(ctx context.Context) error
	Stats() OutputStats
	// Close releases the output's reader; called once, after Run ended.
	Close()
}

// outputHandle supervises one output of a job.
type outputHandle struct {
	id, url string // url is redacted
	target  Target // the URL as given, with its key: never shown
	out     Output
	sup     *Supervisor
	cancel  context.CancelFunc
	done    chan struct{}
}

func (h *outputHandle) Connected() bool { return h.out.Stats().Connected }

func (h *outputHandle) Run(ctx context.Context) error { return h.out.Run(ctx) }

// start runs the supervisor until ctx ends or the output fails.
func (h *outputHandle) start(ctx context.Context, onEnd func(*outputHandle, error)) {
	ctx, h.cancel = context.WithCancel(ctx)
	go func() {
		defer close(h.done)
		err := h.sup.Run(ctx)
		h.out.Close()
		onEnd(h, err)
	}()
}

func (h *outputHandle) info() RTMPInfo {
	st, ost := h.sup.Status(), h.out.Stats()
	return RTMPInfo{
		ID: h.id, URL: h.url, Canvas: h.target.Canvas, State: st.State, Bytes: ost.Bytes, BitrateKbps: ost.BitrateKbps,
		Reconnects: st.Reconnects, DroppedFrames: ost.DroppedFrames, Error: st.Error,
		DownSince: apiTime(st.DownSince), NextRetryAt: apiTime(st.NextRetryAt), MaxRetrySeconds: h.target.MaxRetrySeconds,
	}
}

// apiTime is t in UTC to the millisecond for the API; nil when unset.
func apiTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Millisecond)
	return &t
}
