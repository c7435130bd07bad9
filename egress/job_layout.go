package egress

import (
	"errors"

	"github.com/roomcast/roomcast/pipeline/composite"
)

// canvasReporter is a Media that composes canvases.
type canvasReporter interface {
	Canvases() []composite.CanvasStats
}

// canvasInfo reports the job's canvases with the outputs reading each.
// Called with j.mu held.
func (j *Job) canvasInfo() []CanvasInfo {
	cr, ok := j.media.(canvasReporter)
	if !ok {
		return nil
	}
	readers := map[string]int{}
	for _, h := range j.outputs {
		readers[canonicalCanvas(h.target.Canvas)]++
	}
	if j.record != nil {
		readers[canonicalCanvas(j.spec.Outputs.Record.Canvas)]++
	}
	var out []CanvasInfo
	for _, c := range cr.Canvases() {
		out = append(out, CanvasInfo{Name: c.Name, Width: c.Width, Height: c.Height, FramesEncoded: c.Frames, Outputs: readers[c.Name]})
	}
	return out
}

func canonicalCanvas(name string) string {
	if name == "" {
		return CanvasMain
	}
	return name
}

// keyframeRequester is a Media that can make a canvas's next video unit
// a keyframe soon (composite.Layout.RequestKeyframe).
type keyframeRequester interface {
	RequestKeyframe(canvas string)
}

// requestKeyframe asks the job's media for a keyframe on a canvas: one of
// its outputs started, reconnected or fell behind, and waits for one. In
// passthrough that is a PLI to the camera's publisher, which may send
// keyframes only when asked.
func (j *Job) requestKeyframe(canvas string) {
	j.mu.Lock()
	k, ok := j.media.(keyframeRequester)
	j.mu.Unlock()
	if ok {
		k.RequestKeyframe(canvas)
	}
}

// layoutSetter is a Media whose layout can change while it runs.
type layoutSetter interface {
	SetLayout(LayoutSpec) error
}

// ErrLayoutFixed is returned when a job's media cannot change layout.
var ErrLayoutFixed = errors.New("this job's layout cannot change while it runs")

// SetLayout changes the job's picture from the next frame; the outputs
// and the recording go on. A worker taking the job over runs the new
// layout.
func (j *Job) SetLayout(l LayoutSpec) error {
	if err := j.setLayout(l); err != nil {
		return err
	}
	j.changed()
	return nil
}

func (j *Job) setLayout(l LayoutSpec) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.info.Active() {
		return ErrEnded
	}
	if j.media == nil {
		return ErrNotRunning // starting: its media is not built yet
	}
	if err := l.Validate(j.spec.Video.Width, j.spec.Video.Height); err != nil {
		return err
	}
	ls, ok := j.media.(layoutSetter)
	if !ok {
		return ErrLayoutFixed
	}
	if err := ls.SetLayout(l); err != nil {
		return err
	}
	j.spec.LayoutSpec = l
	j.info.Layout = l.Layout
	j.log.Info("layout changed", "layout", l.Layout)
	return nil
}
