package rtmp

import (
	"context"
	"time"

	"github.com/roomcast/roomcast/pipeline/media"
)

// maxBatchUnits bounds the units one write sends.
const maxBatchUnits = 64

// BatchSource is a Source that also hands over every unit it holds at
// once; pipeline/fanout's *Reader satisfies it. An output reading one
// writes all the units that are ready in one writev.
type BatchSource interface {
	Source
	// ReadBatch blocks like Read for the first unit, then fills dst with
	// the units ready without waiting; it returns how many it filled
	// (at least one when err is nil).
	ReadBatch(ctx context.Context, dst []*media.Unit) (int, error)
}

// streamBatch is the units of one write and their messages; its slices
// are reused from write to write.
type streamBatch struct {
	units []*media.Unit // read
	msgs  []message     // to send
	sent  []*media.Unit // the units sent that came from the network, for ObserveLatency
}

func newStreamBatch() *streamBatch {
	return &streamBatch{
		units: make([]*media.Unit, maxBatchUnits),
		msgs:  make([]message, 0, 2*maxBatchUnits),
		sent:  make([]*media.Unit, 0, maxBatchUnits),
	}
}

// read returns the next units of src: all it has ready, up to
// maxBatchUnits, when it is a BatchSource, else one.
func (w *streamBatch) read(ctx context.Context, src Source) ([]*media.Unit, error) {
	w.begin()
	if bs, ok := src.(BatchSource); ok {
		n, err := bs.ReadBatch(ctx, w.units)
		return w.units[:n], err
	}
	u, err := src.Read(ctx)
	if err != nil {
		return nil, err
	}
	w.units[0] = u
	return w.units[:1], nil
}

// begin empties the batch for the next units and returns the slice to
// read them into.
func (w *streamBatch) begin() []*media.Unit {
	clear(w.units)
	clear(w.msgs) // drop the references to shared chunks
	clear(w.sent)
	w.msgs, w.sent = w.msgs[:0], w.sent[:0]
	return w.units
}

// add queues u's messages (none when the muxer dropped u).
func (w *streamBatch) add(u *media.Unit, msgs []message) {
	if len(msgs) == 0 {
		return
	}
	w.msgs = append(w.msgs, msgs...)
	if !u.Arrival.IsZero() {
		w.sent = append(w.sent, u)
	}
}

// observe reports the latency of the units written.
func (w *streamBatch) observe(f func(*media.Unit, time.Duration)) {
	if f == nil {
		return
	}
	for _, u := range w.sent {
		f(u, time.Since(u.Arrival))
	}
}
