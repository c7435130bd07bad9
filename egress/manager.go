package egress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/roomcast/roomcast/storage/archive"
)

// Manager runs egress jobs in this process (the in-process worker).
type Manager struct {
	deps Deps

	mu     sync.Mutex
	jobs   map[string]*runningJob
	closed bool
	wg     sync.WaitGroup
}

type runningJob struct {
	job    *Job
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManager returns an in-process job runner.
func NewManager(deps Deps) *Manager {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	return &Manager{deps: deps, jobs: map[string]*runningJob{}}
}

// ErrClosed is returned once the manager is closed.
var ErrClosed = errors.New("egress manager closed")

// Start runs a validated spec as a new job.
func (m *Manager) Start(ctx context.Context, tenant string, spec Spec) (Info, error) {
	return m.StartJob(ctx, JobParams{ID: NewJobID(), Tenant: tenant, Spec: spec})
}

// ErrDuplicate is returned by StartJob for a job id already running here.
var ErrDuplicate = errors.New("job already running here")

// StartJob runs a job with a given id: a new one, or one taken over from
// another worker (p.Resume).
func (m *Manager) StartJob(_ context.Context, p JobParams) (Info, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Info{}, ErrClosed
	}
	if old := m.jobs[p.ID]; old != nil && old.job.Info().Active() {
		return Info{}, fmt.Errorf("egress %s: %w", p.ID, ErrDuplicate)
	}
	j := newJob(p, m.deps)
	ctx, cancel := context.WithCancel(context.Background())
	rj := &runningJob{job: j, cancel: cancel, done: make(chan struct{})}
	m.jobs[j.info.ID] = rj
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(rj.done)
		j.Run(ctx, p.Spec)
	}()
	return j.Info(), nil
}

// Handover stops a job so that another worker can continue it: streams
// end on a whole GOP, the recording stays open. It waits (bounded).
func (m *Manager) Handover(_ context.Context, id string) (Info, error) {
	rj, err := m.get(id)
	if err != nil {
		return Info{}, err
	}
	rj.job.handover.Store(true)
	rj.cancel()
	select {
	case <-rj.done:
	case <-time.After(stopTimeout + 5*time.Second):
	}
	return rj.job.Info(), nil
}

// Abandon stops a job that another worker runs now (this one lost its
// lease): its recording is cut loose before anything else, so nothing
// more is written to it, and the job ends as handed over.
func (m *Manager) Abandon(_ context.Context, id string) error {
	rj, err := m.get(id)
	if err != nil {
		return err
	}
	rj.job.abandon.Store(true)
	rj.job.handover.Store(true)
	rj.job.mu.Lock()
	rec := rj.job.rec
	rj.job.mu.Unlock()
	if rec != nil {
		rec.Abandon()
	}
	rj.cancel()
	select {
	case <-rj.done:
	case <-time.After(stopTimeout + 5*time.Second):
	}
	return nil
}

// Forget drops an ended job from the manager.
func (m *Manager) Forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if rj := m.jobs[id]; rj != nil && !rj.job.Info().Active() {
		delete(m.jobs, id)
	}
}

func (m *Manager) get(id string) (*runningJob, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rj := m.jobs[id]
	if rj == nil {
		return nil, fmt.Errorf("egress %s: %w", id, ErrNotFound)
	}
	return rj, nil
}

// Get returns a job.
func (m *Manager) Get(_ context.Context, id string) (Info, error) {
	rj, err := m.get(id)
	if err != nil {
		return Info{}, err
	}
	return rj.job.Info(), nil
}

// List returns the jobs matching f, newest first.
func (m *Manager) List(_ context.Context, f Filter) ([]Info, error) {
	m.mu.Lock()
	jobs := make([]*Job, 0, len(m.jobs))
	for _, rj := range m.jobs {
		jobs = append(jobs, rj.job)
	}
	m.mu.Unlock()
	var out []Info
	for _, j := range jobs {
		info := j.Info()
		if (f.Tenant != "" && info.Tenant != f.Tenant) || (f.Room != "" && info.Room != f.Room) || (f.ActiveOnly && !info.Active()) {
			continue
		}
		out = append(out, info)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].CreatedAt.After(out[b].CreatedAt) })
	return out, nil
}

// AddOrphans hands the recording of job id what a killed earlier
// recorder of it left (see record.Recording.AddOrphans).
func (m *Manager) AddOrphans(id string, o archive.Orphans) (archive.MergeResult, error) {
	rj, err := m.get(id)
	if err != nil {
		return archive.MergeResult{}, err
	}
	return rj.job.AddOrphans(o)
}

// Update adds and removes RTMP outputs of a live job.
func (m *Manager) Update(_ context.Context, id string, u Update) (Info, error) {
	rj, err := m.get(id)
	if err != nil {
		return Info{}, err
	}
	if len(u.RemoveRTMP) > 0 {
		if err := rj.job.RemoveRTMP(u.RemoveRTMP...); err != nil {
			return rj.job.Info(), &FieldError{Field: "remove_rtmp", Reason: err.Error()}
		}
	}
	for _, raw := range u.AddRTMP {
		if _, err := rj.job.AddRTMP(raw); err != nil {
			return rj.job.Info(), err
		}
	}
	if u.ChangesLayout() {
		if err := rj.job.SetLayout(u.LayoutSpec); err != nil {
			return rj.job.Info(), err
		}
	}
	return rj.job.Info(), nil
}

// Stop ends a job cleanly and waits (bounded) for it.
func (m *Manager) Stop(_ context.Context, id string) (Info, error) {
	rj, err := m.get(id)
	if err != nil {
		return Info{}, err
	}
	rj.cancel()
	select {
	case <-rj.done:
	case <-time.After(stopTimeout + 5*time.Second):
	}
	return rj.job.Info(), nil
}

// Close stops every job and waits for them.
func (m *Manager) Close() {
	m.mu.Lock()
	m.closed = true
	for _, rj := range m.jobs {
		rj.cancel()
	}
	m.mu.Unlock()
	m.wg.Wait()
}

// Spec is a job's spec with its current RTMP targets.
func (m *Manager) Spec(id string) (Spec, error) {
	rj, err := m.get(id)
	if err != nil {
		return Spec{}, err
	}
	return rj.job.Spec(), nil
}
