package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime/metrics"
	"sync"
	"time"

	"github.com/roomcast/roomcast/pipeline/composite"
	"github.com/roomcast/roomcast/pipeline/media"
	"github.com/roomcast/roomcast/pipeline/source"
)

// runCompositeWorker is the child process's work: feed the files in real
// time to the spec's Layouts, and measure over the window.
func runCompositeWorker(spec workerSpec) (workerResult, error) {
	feeders, err := openFeeders(spec)
	defer func() {
		for _, f := range feeders {
			f.close()
		}
	}()
	if err != nil {
		return workerResult{}, err
	}
	ls, err := newBenchLayouts(spec.Canvases, keyframeRequests(feeders))
	if err != nil {
		return workerResult{}, err
	}
	var h source.Handler = dropAll{}
	if len(ls) > 0 {
		h = ls
	}
	for _, f := range feeders {
		for _, t := range f.tracks {
			h.TrackAdded(t)
		}
	}
	logs, stop := ls.run()
	start := time.Now()
	from, to := start.Add(spec.Warmup), start.Add(spec.Warmup+spec.Window)
	window := make(chan [2]runtimeSample, 1)
	go func() { window <- sampleWindow(ls, from, to) }()
	errs := make([]error, len(feeders))
	var wg sync.WaitGroup
	for i, f := range feeders {
		wg.Go(func() { errs[i] = f.run(h, start, to.Add(spec.Tail)) })
	}
	wg.Wait()
	if err := errors.Join(append(errs, stop())...); err != nil {
		return workerResult{}, err
	}
	s := <-window
	res := workerResult{Encode: s[1].encode - s[0].encode, GC: s[1].gc - s[0].gc, AllocBytes: s[1].alloc - s[0].alloc,
		GoMemBytes: s[1].goMem}
	var lags []time.Duration
	for _, f := range feeders {
		lags = append(lags, f.lags...)
	}
	if len(lags) > 0 {
		res.FeedLagP99 = pct(lags, 0.99)
	}
	if len(logs) > 0 {
		res.Latency, res.OutFrames, res.OutBytes = logs[0].window(feeders, from, to)
	}
	return res, nil
}

// newBenchLayouts builds the Layout of the canvases as the egress
// configures a job's: the first canvas is the main one, the others its
// renditions (composed from the same decoded sources, each encoded
// once); 30 fps, 2500 kbit/s CBR, a keyframe every 2 s, AAC 128 kbit/s,
// thumbnails in the speaker layout; its keyframe requests go to the
// feeders.
func newBenchLayouts(cs []canvasSpec, requestKeyframe func(string)) (benchLayouts, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	var renditions []composite.CanvasConfig
	for i, c := range cs[1:] {
		v := composite.View{Mode: c.Mode, Thumbnails: true}
		renditions = append(renditions, composite.CanvasConfig{Name: fmt.Sprintf("r%d", i+1), Width: c.Width, Height: c.Height, View: &v})
	}
	c := cs[0]
	l, err := composite.NewLayout(composite.LayoutConfig{
		View:  composite.View{Mode: c.Mode, Thumbnails: true},
		Width: c.Width, Height: c.Height, FPS: cameraFPS, VideoKbps: compositeKbps, Canvases: renditions,
		KeyframeInterval: 2 * time.Second, AudioKbps: 128, Labels: c.Labels, Latency: c.Latency,
		RequestKeyframe: requestKeyframe,
	})
	if err != nil {
		return nil, err
	}
	return benchLayouts{l}, nil
}

// dropAll takes the units and does nothing: the feeding-only run.
type dropAll struct{}

func (dropAll) TrackAdded(*media.Track)   {}
func (dropAll) Unit(*media.Unit)          {}
func (dropAll) TrackRemoved(*media.Track) {}

// benchLayouts hands every call to each Layout in turn.
type benchLayouts []*composite.Layout

func (ls benchLayouts) TrackAdded(t *media.Track) {
	for _, l := range ls {
		l.TrackAdded(t)
	}
}

func (ls benchLayouts) Unit(u *media.Unit) {
	for _, l := range ls {
		l.Unit(u)
	}
}

func (ls benchLayouts) TrackRemoved(t *media.Track) {
	for _, l := range ls {
		l.TrackRemoved(t)
	}
}

// run starts every Layout's output, logged; stop ends them.
func (ls benchLayouts) run() (logs []*outputLog, stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, len(ls))
	for _, l := range ls {
		o := &outputLog{}
		logs = append(logs, o)
		go func() { errc <- l.Run(ctx, o.sink) }()
	}
	return logs, func() error {
		cancel()
		var errs []error
		for range ls {
			errs = append(errs, <-errc)
		}
		return errors.Join(errs...)
	}
}

// outputLog keeps when each encoded video unit of a canvas came out.
type outputLog struct {
	mu    sync.Mutex
	units []outUnit
}

type outUnit struct {
	pts  time.Duration
	at   time.Time
	size int
}

func (o *outputLog) sink(u *media.Unit) {
	if u.Track.Kind != media.KindVideo {
		return
	}
	at := time.Now()
	o.mu.Lock()
	defer o.mu.Unlock()
	o.units = append(o.units, outUnit{pts: u.PTS, at: at, size: len(u.Data)})
}

// window returns, for the units out in [from, to), the latency each
// added (out − when the newest input frame at or before its PTS was
// fed, over every track: the picture could not have been made before),
// their count and size.
func (o *outputLog) window(feeders []*feeder, from, to time.Time) (lat []time.Duration, frames int, size int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, u := range o.units {
		if u.at.Before(from) || !u.at.Before(to) {
			continue
		}
		frames++
		size += int64(u.size)
		var newest time.Time
		for _, f := range feeders {
			if at, ok := f.fedBy(u.pts); ok && at.After(newest) {
				newest = at
			}
		}
		if !newest.IsZero() {
			lat = append(lat, u.at.Sub(newest))
		}
	}
	return lat, frames, size
}

// runtimeSample is the child's encode time (every Layout), Go GC CPU
// and allocated bytes so far, and the memory the Go runtime holds now
// (mapped and not returned to the OS).
type runtimeSample struct {
	encode, gc   time.Duration
	alloc, goMem uint64
}

func sampleRuntime(ls benchLayouts) runtimeSample {
	ms := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/heap/allocs:bytes"},
		{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(ms)
	s := runtimeSample{gc: time.Duration(ms[0].Value.Float64() * float64(time.Second)), alloc: ms[1].Value.Uint64(),
		goMem: ms[2].Value.Uint64() - ms[3].Value.Uint64()}
	for _, l := range ls {
		s.encode += l.EncodeTime()
	}
	return s
}

// sampleWindow samples at from and at to.
func sampleWindow(ls benchLayouts, from, to time.Time) [2]runtimeSample {
	time.Sleep(time.Until(from))
	a := sampleRuntime(ls)
	time.Sleep(time.Until(to))
	return [2]runtimeSample{a, sampleRuntime(ls)}
}
