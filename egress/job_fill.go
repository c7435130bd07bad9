package egress

import (
	"context"
	"sync"
	"time"

	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/pipeline/media"
)

// fillWait bounds how long a taken-over job waits for its recording's
// first segment, and fillTimeout how long the fill may then take.
const (
	fillWait    = 30 * time.Second
	fillTimeout = 60 * time.Second
)

// wallClocked is a Media that maps its PTS to the wall clock.
type wallClocked interface {
	WallOf(pts time.Duration) (time.Time, bool)
}

// filler is a Media that can encode the room's recent past.
type filler interface {
	Fill(ctx context.Context, from, to time.Time) ([]*media.Unit, error)
}

// startFill lets the recording note when each segment was captured and,
// for a job taken over, fills the time between the last stored segment
// and this worker's first one from the room's history. The live outputs
// never see the fill. A stop (ctx) ends the wait for the gap, not a fill
// under way. wg is done when the fill is.
func (j *Job) startFill(ctx context.Context, wg *sync.WaitGroup, rec *record.Recording, m Media) {
	if w, ok := m.(wallClocked); ok {
		rec.SetWallClock(w.WallOf)
	}
	f, ok := m.(filler)
	if !ok || !j.resume {
		return
	}
	wg.Go(func() { j.fill(ctx, rec, f) })
}

func (j *Job) fill(stop context.Context, rec *record.Recording, f filler) {
	from, to, ok := waitGap(stop, rec)
	if !ok {
		j.log.Info("no takeover gap to fill", "recording", rec.ID())
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), fillTimeout)
	defer cancel()
	start := time.Now()
	units, err := f.Fill(ctx, from, to)
	if err == nil {
		_, err = rec.Fill(units, from)
	}
	if err != nil {
		j.log.Warn("takeover gap not filled", "recording", rec.ID(), "gap", to.Sub(from).Round(time.Millisecond), "err", err)
		return
	}
	j.log.Info("takeover gap filled", "recording", rec.ID(), "gap", to.Sub(from).Round(time.Millisecond), "took", time.Since(start).Round(time.Millisecond))
}

// waitGap polls until the recording knows its gap, the job's outputs end
// or fillWait passes.
func waitGap(ctx context.Context, rec *record.Recording) (from, to time.Time, ok bool) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	deadline := time.After(fillWait)
	for {
		if from, to, ok = rec.Gap(); ok {
			return from, to, true
		}
		select {
		case <-ctx.Done():
			return from, to, false
		case <-deadline:
			return from, to, false
		case <-t.C:
		}
	}
}
