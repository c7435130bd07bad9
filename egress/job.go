package egress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roomcast/roomcast/egress/outbound"
	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
	"github.com/roomcast/roomcast/storage/archive"
)

// Media produces a job's encoded stream (H.264 + AAC) from its room and
// hands every unit to sink, until ctx ends or it fails.
type Media interface {
	Run(ctx context.Context, sink func(*media.Unit)) error
	// EncodeTime is the time spent encoding so far.
	EncodeTime() time.Duration
	// DecodeTime is the time spent decoding the room's tracks so far.
	DecodeTime() time.Duration
}

// Deps builds the parts of a job; tests and the worker inject them.
type Deps struct {
	// NewMedia builds the ingest, layout and encode stage for a spec. tap,
	// when not nil, also sees every track and unit of the room.
	NewMedia func(tenant string, spec Spec, tap source.Handler, log *slog.Logger) (Media, error)
	// NewRecording starts the recording of a job with a record output;
	// nil when this worker has no archive.
	NewRecording func(p RecordingParams) (*record.Recording, error)
	// RecordRoom, when set, says why this worker should not start a new
	// recording now (its spool is low or full); nil when it may. A worker
	// leaves such a job pending with that reason.
	RecordRoom func() error
	// NewRTMP builds an RTMP output reading src; it returns the output
	// and the redacted URL.
	NewRTMP func(rawURL string, src *fanout.Reader, log *slog.Logger) (Output, string, error)
	// Permanent reports output errors retrying cannot fix.
	Permanent func(error) bool
	// Outbound checks the address of each probe of a down RTMP target's
	// server (nil: the default refusals); NewRTMP's outputs check their
	// own connections.
	Outbound *outbound.Policy
	// Backoff is the pause between an output's attempts (zero:
	// DefaultBackoff); configs' egress.rtmp_max_backoff sets its cap.
	Backoff Backoff
	// OnChange, when set, is called after each change of a job's status
	// or of an output's state, from the job's goroutines; it must not
	// block.
	OnChange func(Info)
	Logger   *slog.Logger
}

// ErrNoOutputs fails a job whose last output has failed.
var ErrNoOutputs = errors.New("every output has failed")

// stopTimeout bounds how long stopping outputs may take.
const stopTimeout = 10 * time.Second

// Job is one running egress: media → fan-out → supervised outputs.
type Job struct {
	deps Deps
	log  *slog.Logger
	fan  *fanout.Fanout            // the main canvas's stream
	fans map[string]*fanout.Fanout // every canvas's, by track id

	mu      sync.Mutex
	info    Info
	media   Media
	outputs []*outputHandle
	record  *outputHandle     // the record output, if any
	rec     *record.Recording // its recording
	ctx     context.Context   // the outputs' parent while running
	failed  chan struct{}     // closed when the last output fails
	once    sync.Once

	spec     Spec        // as started
	handover atomic.Bool // stopping to hand the job to another worker
	abandon  atomic.Bool // stopping because another worker runs it now
	resume   bool        // continuing a job another worker ran
}

// JobParams describe a job to run: a new one, or one taken over.
type JobParams struct {
	ID, Tenant string
	Spec       Spec
	CreatedAt  time.Time // zero: now
	// RecordingID is the recording's id when the job has a record output
	// (empty: a new one).
	RecordingID string
	// Resume continues a job (and its recording) that another worker ran.
	Resume bool
}

func newJob(p JobParams, deps Deps) *Job {
	log := deps.Logger.With("egress", p.ID, "room", p.Spec.Room)
	j := &Job{deps: deps, log: log, failed: make(chan struct{}), resume: p.Resume, spec: p.Spec}
	j.fans = map[string]*fanout.Fanout{}
	for _, name := range append([]string{CanvasMain}, canvasNames(p.Spec)...) {
		j.fans[composite.CanvasTrackID(name)] = fanout.New(fanout.Options{
			Logger: log.With("canvas", name), Video: true, // every canvas has video, placeholders at least
			NeedKeyframe: func() { go j.requestKeyframe(name) },
		})
	}
	j.fan = j.fans[composite.CanvasTrackID(CanvasMain)]
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now().UTC()
	}
	j.info = Info{
		ID: p.ID, Tenant: p.Tenant, Room: p.Spec.Room, Layout: p.Spec.Layout, Status: StatusPending,
		CreatedAt: p.CreatedAt, Video: p.Spec.Video, Outputs: OutputsInfo{RTMP: []RTMPInfo{}},
	}
	if p.Spec.Outputs.Record != nil {
		if p.RecordingID == "" {
			p.RecordingID = archive.NewID(p.CreatedAt)
		}
		j.info.Outputs.Record = &RecordInfo{RecordingID: p.RecordingID, State: StateConnecting}
	}
	return j
}

// Spec is the job's spec with its current RTMP targets (after adds and
// removes): what a worker taking the job over must run.
func (j *Job) Spec() Spec {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.spec
	if j.ctx == nil {
		return s // outputs not started yet
	}
	s.Outputs.RTMP = make([]Target, 0, len(j.outputs))
	for _, h := range j.outputs {
		s.Outputs.RTMP = append(s.Outputs.RTMP, h.target)
	}
	return s
}

// Run runs the job until ctx ends (complete) or it fails.
func (j *Job) Run(ctx context.Context, spec Spec) {
	j.setStatus(StatusStarting, nil)
	rec, err := j.startRecording(spec)
	if err != nil {
		j.finish(err)
		return
	}
	var tap source.Handler
	if rec != nil {
		tap = rec
	}
	m, err := j.deps.NewMedia(j.info.Tenant, spec, tap, j.log)
	if err != nil {
		j.finish(j.endRecording(rec, fmt.Errorf("start media: %w", err)))
		return
	}
	outCtx, cancelOutputs := context.WithCancel(context.Background())
	defer cancelOutputs()
	j.mu.Lock()
	j.ctx, j.media = outCtx, m
	j.mu.Unlock()
	var fills sync.WaitGroup
	if rec != nil {
		j.addRecord(rec)
		j.startFill(ctx, &fills, rec, m)
	}
	for _, u := range spec.Outputs.RTMP {
		if _, err := j.AddRTMP(u); err != nil {
			j.stopOutputs()
			j.finish(j.endRecording(rec, err))
			return
		}
	}
	// Media has its own context: on stop it keeps flowing until the
	// outputs have ended their GOP.
	mediaCtx, cancelMedia := context.WithCancel(context.Background())
	defer cancelMedia()
	mediaErr, mediaDone := make(chan error, 1), make(chan struct{})
	go func() { defer close(mediaDone); mediaErr <- m.Run(mediaCtx, j.write) }()
	// Active once the pipeline runs, media or not (an empty room); the
	// outputs say whether they deliver.
	j.setStatus(StatusActive, nil)
	err = j.wait(ctx, mediaErr, cancelMedia)
	<-mediaDone // the tap sees no more units
	fills.Wait()
	j.finish(j.endRecording(rec, err))
}

// startRecording starts the job's recording, if it asks for one.
func (j *Job) startRecording(spec Spec) (*record.Recording, error) {
	if spec.Outputs.Record == nil {
		return nil, nil
	}
	if j.deps.NewRecording == nil {
		return nil, errors.New("record: this worker has no archive storage")
	}
	j.mu.Lock()
	id := j.info.Outputs.Record.RecordingID
	j.mu.Unlock()
	rec, err := j.deps.NewRecording(RecordingParams{
		ID: id, Tenant: j.info.Tenant, Room: spec.Room, Egress: j.info.ID, Spec: *spec.Outputs.Record,
		Resume: j.resume, Logger: j.log,
	})
	if err != nil {
		j.mu.Lock()
		j.info.Outputs.Record.State, j.info.Outputs.Record.Error = StateFailed, err.Error()
		j.mu.Unlock()
		return nil, fmt.Errorf("record: %w", err)
	}
	return rec, nil
}

// endRecording finishes the recording after outputs and media stopped;
// it returns the job's error, or the recording's when the job had none.
func (j *Job) endRecording(rec *record.Recording, jobErr error) error {
	if rec == nil {
		return jobErr
	}
	if j.abandon.Load() {
		return jobErr // Abandon already cut it loose
	}
	if j.handover.Load() {
		if err := rec.Detach(); err != nil && jobErr == nil {
			return err
		}
		return jobErr
	}
	rec.SetQuality(j.qualityJSON())
	if err := rec.Finish(jobErr); err != nil && jobErr == nil {
		return err
	}
	return jobErr
}

// write hands an encoded unit to the fan-out of its canvas; audio goes
// to every canvas.
func (j *Job) write(u *media.Unit) {
	if u.Track.Kind == media.KindAudio || len(j.fans) == 1 {
		for _, f := range j.fans {
			f.Write(u)
		}
		return
	}
	if f := j.fans[u.Track.ID]; f != nil {
		f.Write(u)
	}
}

// fanFor is the stream of a canvas ("" the main one).
func (j *Job) fanFor(canvas string) *fanout.Fanout {
	if canvas == "" {
		canvas = CanvasMain
	}
	return j.fans[composite.CanvasTrackID(canvas)]
}

func canvasNames(s Spec) []string {
	var out []string
	for _, c := range s.Canvases {
		out = append(out, c.Name)
	}
	return out
}

// wait blocks until the job is stopped, its media fails, or its last
// output fails; then it stops media and outputs.
func (j *Job) wait(ctx context.Context, mediaErr <-chan error, cancelMedia context.CancelFunc) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-mediaErr:
		if err == nil {
			err = errors.New("media ended")
		}
		err = fmt.Errorf("media: %w", err)
	case <-j.failed:
		err = ErrNoOutputs
	}
	j.setStatus(StatusStopping, nil)
	// Outputs stop first, while media still flows, so each can finish
	// its current GOP and end its stream on a whole one.
	j.stopOutputs()
	cancelMedia()
	for _, f := range j.fans {
		f.Close()
	}
	return err
}

func (j *Job) stopOutputs() {
	j.mu.Lock()
	outs := append([]*outputHandle(nil), j.outputs...)
	if j.record != nil {
		outs = append(outs, j.record)
	}
	j.mu.Unlock()
	stopTogether(outs, stopTimeout)
}

// stopTogether asks every output of outs to end, then waits for them, at
// most timeout in all: each drains to its next keyframe while the others
// do.
func stopTogether(outs []*outputHandle, timeout time.Duration) {
	for _, h := range outs {
		h.cancel()
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for _, h := range outs {
		select {
		case <-h.done:
		case <-deadline.C:
			return
		}
	}
}

// AddRTMP adds and starts an RTMP output.
func (j *Job) AddRTMP(t Target) (RTMPInfo, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.ctx == nil || !j.info.Active() || j.info.Status == StatusStopping {
		return RTMPInfo{}, ErrEnded
	}
	fan := j.fanFor(t.Canvas)
	if fan == nil {
		return RTMPInfo{}, &FieldError{Field: "canvas", Reason: fmt.Sprintf("no canvas named %q", t.Canvas)}
	}
	id := newID("OUT_")
	r := fan.NewReader(id)
	r.CoalesceAudio() // one write per video frame, its audio with it
	out, redacted, err := j.deps.NewRTMP(t.URL, r, j.log.With("output", id))
	if err != nil {
		r.Close()
		return RTMPInfo{}, err
	}
	h := &outputHandle{id: id, url: redacted, target: t, out: out, done: make(chan struct{})}
	h.sup = NewSupervisor(h, SupervisorOptions{
		Backoff: j.deps.Backoff, Permanent: j.deps.Permanent, MaxRetry: t.MaxRetry(), Probe: probeRTMP(t.URL, j.deps.Outbound),
		OnChange: func(Status) { go j.changed() },
		Logger:   j.log.With("output", id, "url", redacted),
	})
	j.outputs = append(j.outputs, h)
	h.start(j.ctx, j.outputEnded)
	return h.info(), nil
}

// RemoveRTMP stops outputs cleanly and removes them: all of ids, or
// none when one is not an output of the job. They stop together, each
// draining to its next keyframe at the same time as the others, so that
// removing twenty takes as long as removing one.
func (j *Job) RemoveRTMP(ids ...string) error {
	j.mu.Lock()
	gone, err := j.detachLocked(ids)
	j.mu.Unlock()
	if err != nil {
		return err
	}
	stopTogether(gone, stopTimeout)
	return nil
}

// detachLocked takes the outputs named by ids out of the job, or none
// when an id is unknown or given twice.
func (j *Job) detachLocked(ids []string) ([]*outputHandle, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		if want[id] {
			return nil, fmt.Errorf("output %s: listed twice", id)
		}
		want[id] = true
	}
	var gone, kept []*outputHandle
	for _, o := range j.outputs {
		if want[o.id] {
			gone = append(gone, o)
			delete(want, o.id)
		} else {
			kept = append(kept, o)
		}
	}
	for _, id := range ids {
		if want[id] {
			return nil, fmt.Errorf("output %s: %w", id, ErrNotFound)
		}
	}
	j.outputs = kept
	return gone, nil
}

// outputEnded fails the job when no output is left running.
func (j *Job) outputEnded(h *outputHandle, err error) {
	if err == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, o := range j.outputs {
		if o.sup.Status().State != StateFailed {
			return
		}
	}
	if j.record != nil && j.record.sup.Status().State != StateFailed {
		return
	}
	j.once.Do(func() { close(j.failed) })
}

func (j *Job) finish(err error) {
	if j.handover.Load() {
		j.setStatus(StatusHandedOver, err)
		return
	}
	if err != nil {
		j.log.Warn("egress failed", "err", err)
		j.setStatus(StatusFailed, err)
		return
	}
	j.setStatus(StatusComplete, nil)
}

func (j *Job) setStatus(status string, err error) {
	j.setStatusLocked(status, err)
	j.changed()
}

// changed reports the job's state to Deps.OnChange.
func (j *Job) changed() {
	if j.deps.OnChange != nil {
		j.deps.OnChange(j.Info())
	}
}

func (j *Job) setStatusLocked(status string, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.info.Status = status
	now := time.Now().UTC()
	if err != nil {
		j.info.Error = err.Error()
	}
	switch status {
	case StatusActive:
		j.info.StartedAt = &now
	case StatusComplete, StatusFailed, StatusHandedOver:
		j.info.EndedAt = &now
	}
}

// Info returns the job with its outputs' live state.
func (j *Job) Info() Info {
	j.mu.Lock()
	defer j.mu.Unlock()
	info := j.info
	if j.media != nil {
		info.EncodeSeconds = j.media.EncodeTime().Seconds()
		info.DecodeSeconds = j.media.DecodeTime().Seconds()
		info.Canvases = j.canvasInfo()
		info.Quality = j.quality()
	}
	info.Outputs.RTMP = make([]RTMPInfo, 0, len(j.outputs))
	for _, h := range j.outputs {
		info.Outputs.RTMP = append(info.Outputs.RTMP, h.info())
	}
	if ri := j.recordInfo(); ri != nil {
		info.Outputs.Record = ri
	} else if ri := j.info.Outputs.Record; ri != nil {
		c := *ri
		info.Outputs.Record = &c
	}
	return info
}
