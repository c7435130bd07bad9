package egress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress/record"
	"github.com/roomcast/roomcast/pipeline/fanout"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

// tickMedia emits a keyframe-led video stream until ctx ends.
type tickMedia struct{}

func (tickMedia) EncodeTime() time.Duration { return time.Millisecond }
func (tickMedia) DecodeTime() time.Duration { return time.Millisecond }

func (tickMedia) Run(ctx context.Context, sink func(*media.Unit)) error {
	tr := &media.Track{ID: "v", Kind: media.KindVideo, Codec: media.CodecH264}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			pts := time.Duration(i) * 33 * time.Millisecond
			sink(&media.Unit{Track: tr, PTS: pts, DTS: pts, Key: i%10 == 0, Data: []byte{0, 0, 0, 1, 9}})
		}
	}
}

// readerOutput reads its fan-out reader; URLs containing "bad" are
// rejected permanently after connecting fails, URLs containing "down"
// fail to connect every time (a platform outage).
type readerOutput struct {
	src       *fanout.Reader
	bad, down bool
	units     atomic.Int64
	connected atomic.Bool
}

var (
	errBadKey = errors.New("publish rejected: bad key")
	errDown   = errors.New("connect: connection refused")
)

func (o *readerOutput) Run(ctx context.Context) error {
	if o.bad {
		return errBadKey
	}
	if o.down {
		return errDown
	}
	o.connected.Store(true)
	defer o.connected.Store(false)
	for {
		if _, err := o.src.Read(ctx); err != nil {
			return nil
		}
		o.units.Add(1)
	}
}

func (o *readerOutput) Stats() OutputStats {
	return OutputStats{Bytes: uint64(o.units.Load()), Connected: o.connected.Load()}
}

func (o *readerOutput) Close() { o.src.Close() }

func testDeps() Deps {
	return Deps{
		NewMedia: func(string, Spec, source.Handler, *slog.Logger) (Media, error) { return tickMedia{}, nil },
		NewRTMP: func(raw string, r *fanout.Reader, _ *slog.Logger) (Output, string, error) {
			return &readerOutput{src: r, bad: strings.Contains(raw, "bad"), down: strings.Contains(raw, "down")}, "rtmp://host/app/****", nil
		},
		Permanent: func(err error) bool { return errors.Is(err, errBadKey) },
		Backoff:   Backoff{Base: time.Millisecond, Max: time.Millisecond},
	}
}

func waitInfo(t *testing.T, m *Manager, id string, cond func(Info) bool) Info {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, err := m.Get(context.Background(), id)
		if err == nil && cond(info) {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out; last info %+v err %v", info, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestJobLifecycle(t *testing.T) {
	m := NewManager(testDeps())
	defer m.Close()
	ctx := context.Background()
	info, err := m.Start(ctx, "t1", Spec{Room: "r1", Outputs: OutputsSpec{RTMP: URLs("rtmp://a/app/k1", "rtmp://b/app/bad")}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool {
		return i.Status == StatusActive && len(i.Outputs.RTMP) == 2 &&
			i.Outputs.RTMP[0].State == StateLive && i.Outputs.RTMP[1].State == StateFailed
	})
	if !strings.Contains(info.Outputs.RTMP[1].Error, "bad key") {
		t.Errorf("failed output error = %q", info.Outputs.RTMP[1].Error)
	}
	// Add while live, then remove the first output.
	info, err = m.Update(ctx, info.ID, Update{AddRTMP: URLs("rtmp://c/app/k3"), RemoveRTMP: []string{info.Outputs.RTMP[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool {
		return len(i.Outputs.RTMP) == 2 && i.Outputs.RTMP[1].State == StateLive && i.Outputs.RTMP[1].Bytes > 0
	})
	if _, err := m.Update(ctx, info.ID, Update{RemoveRTMP: []string{"OUT_nope"}}); err == nil {
		t.Error("removing an unknown output must fail")
	}
	info, err = m.Stop(ctx, info.ID)
	if err != nil || info.Status != StatusComplete || info.EndedAt == nil {
		t.Fatalf("stop: %+v %v", info, err)
	}
	if list, _ := m.List(ctx, Filter{Tenant: "t1", ActiveOnly: true}); len(list) != 0 {
		t.Errorf("active jobs after stop: %d", len(list))
	}
	if list, _ := m.List(ctx, Filter{Tenant: "t1"}); len(list) != 1 {
		t.Errorf("jobs: %d", len(list))
	}
}

func TestJobFailsWhenNoOutputLeft(t *testing.T) {
	m := NewManager(testDeps())
	defer m.Close()
	info, err := m.Start(context.Background(), "t1", Spec{Room: "r1", Outputs: OutputsSpec{RTMP: URLs("rtmp://a/app/bad", "rtmp://b/app/bad2")}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool { return i.Status == StatusFailed })
	if !strings.Contains(info.Error, ErrNoOutputs.Error()) {
		t.Errorf("error = %q", info.Error)
	}
}

// TestJobRidesOutAnOutage: a target that cannot connect reconnects for as
// long as the job runs (hundreds of attempts at a 1 ms backoff), reporting
// when it went down and when it tries next, and the job stays active even
// with no other output; a target's max_retry_seconds fails it in time.
func TestJobRidesOutAnOutage(t *testing.T) {
	m := NewManager(testDeps())
	defer m.Close()
	limited := Target{URL: "rtmp://c/app/down-limited", MaxRetrySeconds: 0.3}
	info, err := m.Start(context.Background(), "t1", Spec{Room: "r1", Outputs: OutputsSpec{
		RTMP: append(URLs("rtmp://d/app/down"), limited)}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	info = waitInfo(t, m, info.ID, func(i Info) bool {
		return len(i.Outputs.RTMP) == 2 && i.Outputs.RTMP[1].State == StateFailed
	})
	if took := time.Since(started); took < 300*time.Millisecond {
		t.Errorf("limited target failed after %v, before its max_retry_seconds", took)
	}
	if e := info.Outputs.RTMP[1].Error; !strings.Contains(e, "max_retry_seconds") || !strings.Contains(e, "connection refused") {
		t.Errorf("limited target error %q", e)
	}
	o := info.Outputs.RTMP[0]
	if info.Status != StatusActive || o.State != StateReconnecting || o.Reconnects < 20 || o.DownSince == nil || o.NextRetryAt == nil ||
		!strings.Contains(o.Error, "connection refused") || o.MaxRetrySeconds != 0 || info.Outputs.RTMP[1].MaxRetrySeconds != 0.3 {
		t.Fatalf("job %s, unlimited target %+v", info.Status, o)
	}
	if o.NextRetryAt.Before(*o.DownSince) {
		t.Errorf("next retry %v before down since %v", o.NextRetryAt, o.DownSince)
	}
	info, err = m.Stop(context.Background(), info.ID)
	if err != nil || info.Status != StatusComplete || info.Outputs.RTMP[0].State != StateStopped {
		t.Fatalf("stop: %+v %v", info, err)
	}
}

func TestJobRecordingRefused(t *testing.T) {
	deps := testDeps()
	deps.NewRecording = func(RecordingParams) (*record.Recording, error) {
		return nil, errors.New("storage unusable: access denied")
	}
	m := NewManager(deps)
	defer m.Close()
	info, err := m.Start(context.Background(), "t1", Spec{Room: "r1", Outputs: OutputsSpec{Record: &RecordSpec{}}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if info.Outputs.Record == nil || info.Outputs.Record.RecordingID == "" {
		t.Fatalf("no recording id at start: %+v", info.Outputs.Record)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool { return i.Status == StatusFailed })
	if !strings.Contains(info.Error, "access denied") || info.Outputs.Record.State != StateFailed {
		t.Errorf("failed job: error %q, record %+v", info.Error, info.Outputs.Record)
	}
}

// drainOutput stands for an RTMP output that, once cancelled, drains to
// its next keyframe before Run returns. It returns when every output of
// its barrier has been cancelled, or after a second; sawAll tells which.
type drainOutput struct {
	readerOutput
	barrier *drainBarrier
	sawAll  atomic.Bool
}

type drainBarrier struct {
	want      int32
	cancelled atomic.Int32
	all       chan struct{}
}

func (o *drainOutput) Run(ctx context.Context) error {
	o.connected.Store(true)
	defer o.connected.Store(false)
	<-ctx.Done()
	if o.barrier.cancelled.Add(1) == o.barrier.want {
		close(o.barrier.all)
	}
	select {
	case <-o.barrier.all:
		o.sawAll.Store(true)
	case <-time.After(time.Second):
	}
	return nil
}

// TestRemoveOutputsTogether: outputs removed in one update stop
// together, each draining while the others do (one at a time, removing
// twenty took twenty drains and outlasted API clients' timeouts), and an
// update naming an unknown output removes none.
func TestRemoveOutputsTogether(t *testing.T) {
	const n = 5
	barrier := &drainBarrier{want: n, all: make(chan struct{})}
	var outs []*drainOutput
	var mu sync.Mutex
	deps := testDeps()
	deps.NewRTMP = func(raw string, r *fanout.Reader, _ *slog.Logger) (Output, string, error) {
		o := &drainOutput{readerOutput: readerOutput{src: r}, barrier: barrier}
		mu.Lock()
		outs = append(outs, o)
		mu.Unlock()
		return o, "rtmp://host/app/****", nil
	}
	m := NewManager(deps)
	defer m.Close()
	ctx := context.Background()
	urls := make([]string, n+1)
	for i := range urls {
		urls[i] = fmt.Sprintf("rtmp://a/app/k%d", i)
	}
	info, err := m.Start(ctx, "t1", Spec{Room: "r1", Outputs: OutputsSpec{RTMP: URLs(urls...)}}.WithDefaults())
	if err != nil {
		t.Fatal(err)
	}
	info = waitInfo(t, m, info.ID, func(i Info) bool {
		for _, o := range i.Outputs.RTMP {
			if o.State != StateLive {
				return false
			}
		}
		return i.Status == StatusActive && len(i.Outputs.RTMP) == n+1
	})
	var ids []string
	for _, o := range info.Outputs.RTMP[1:] {
		ids = append(ids, o.ID)
	}
	for _, bad := range [][]string{append(slices.Clone(ids), "OUT_nope"), {ids[0], ids[0]}} {
		if _, err := m.Update(ctx, info.ID, Update{RemoveRTMP: bad}); err == nil {
			t.Errorf("removing %v: want an error", bad)
		}
		if got, _ := m.Get(ctx, info.ID); len(got.Outputs.RTMP) != n+1 {
			t.Fatalf("removing %v failed but left %d of %d outputs", bad, len(got.Outputs.RTMP), n+1)
		}
	}
	info, err = m.Update(ctx, info.ID, Update{RemoveRTMP: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Outputs.RTMP) != 1 || info.Outputs.RTMP[0].ID == ids[0] {
		t.Fatalf("outputs after removing %d: %+v", n, info.Outputs.RTMP)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, o := range outs[1:] {
		if !o.sawAll.Load() {
			t.Errorf("output %d stopped before the others were asked to: removed one at a time", i+1)
		}
	}
}
