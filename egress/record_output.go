package egress

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/storage/archive"
)

// RecordingParams describe the recording a job asks for.
type RecordingParams struct {
	ID, Tenant, Room, Egress string
	Spec                     RecordSpec
	// Resume continues the stored recording another worker left.
	Resume bool
	Logger *slog.Logger
}

// recordOutput binds a recording to its fan-out reader.
type recordOutput struct {
	rec *record.Recording
	src *fanout.Reader
}

func (o *recordOutput) Run(ctx context.Context) error { return o.rec.Run(ctx, o.src) }

func (o *recordOutput) Stats() OutputStats {
	st := o.rec.Status()
	return OutputStats{Bytes: uint64(st.Bytes), Connected: o.rec.Connected(), DroppedFrames: o.src.Stats().Dropped}
}

func (o *recordOutput) Close() { o.src.Close() }

// addRecord starts the record output of a job.
func (j *Job) addRecord(rec *record.Recording) {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.fanFor(j.spec.Outputs.Record.Canvas).NewReader("record")
	h := &outputHandle{id: rec.ID(), out: &recordOutput{rec: rec, src: r}, done: make(chan struct{})}
	// A recording's failures are local (its reader, its spool): five in a
	// row end it, where RTMP targets ride out a platform's outage.
	h.sup = NewSupervisor(h, SupervisorOptions{
		Backoff: j.deps.Backoff, MaxFailures: 5, OnChange: func(Status) { go j.changed() },
		Logger: j.log.With("output", "record", "recording", rec.ID()),
	})
	j.record, j.rec = h, rec
	h.start(j.ctx, j.outputEnded)
}

// AddOrphans merges a killed recorder's leftovers into the job's
// recording.
func (j *Job) AddOrphans(o archive.Orphans) (archive.MergeResult, error) {
	j.mu.Lock()
	rec := j.rec
	j.mu.Unlock()
	if rec == nil {
		return archive.MergeResult{}, fmt.Errorf("egress: no recording: %w", record.ErrEnded)
	}
	return rec.AddOrphans(o)
}

// recordInfo reports the record output; nil without one.
func (j *Job) recordInfo() *RecordInfo {
	if j.rec == nil || j.record == nil {
		return nil
	}
	st, sup := j.rec.Status(), j.record.sup.Status()
	info := &RecordInfo{
		RecordingID: j.rec.ID(), State: sup.State, Segments: st.Segments, Bytes: st.Bytes,
		Duration: st.Duration.Seconds(), PendingUploads: st.Pending, Error: st.Error,
	}
	if st.Degraded && sup.State != StateFailed {
		info.State = StateDegraded
	}
	if st.SpoolLeft >= 0 {
		secs := st.SpoolLeft.Seconds()
		info.SpoolSecondsLeft = &secs
	}
	info.Dropped = recordDropped(st)
	if info.Error == "" {
		info.Error = sup.Error
	}
	return info
}

// recordDropped is a recording's drop counts; nil when nothing was dropped.
func recordDropped(st record.Status) *RecordDropped {
	d := st.Dropped
	if d.Segments == 0 && d.Raw == 0 {
		return nil
	}
	return &RecordDropped{Segments: d.Segments, Raw: d.Raw, Bytes: d.Bytes}
}
