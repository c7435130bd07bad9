package bench

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/roomcast/roomcast/egress"
)

// BenchmarkComposite runs each roomcast case in a child process (this
// test binary again, TestCompositeWorker selected), so that the child's
// CPU and peak RSS are the compositor's and its feeder's alone.
const compositeWorkerEnv = "ROOMCAST_COMPOSITE_WORKER"

// canvasSpec is one Layout of a worker.
type canvasSpec struct {
	Mode          string
	Width, Height int
	Labels        bool
	Latency       time.Duration // LayoutConfig.Latency; 0 its default
}

// workerSpec is what a child runs: the participants' files fed in real
// time to one Layout per canvas, or to nothing (feeding alone).
type workerSpec struct {
	Dir          string
	Participants int
	Screen       bool // participant 0 also shares the screen
	Canvases     []canvasSpec
	// The child feeds for Warmup + Window + Tail; latency, output and
	// runtime figures are taken over the window.
	Warmup, Window, Tail time.Duration
	Result               string // where the child writes its workerResult
}

// workerResult is what a child measured over the window.
type workerResult struct {
	Latency    []time.Duration // per output frame of the first canvas
	FeedLagP99 time.Duration   // how late the feeder handed units over
	OutFrames  int             // video units of the first canvas
	OutBytes   int64           // their size
	Encode     time.Duration
	GC         time.Duration
	AllocBytes uint64
	GoMemBytes uint64 // memory the Go runtime holds at the window's end
}

// TestCompositeWorker is BenchmarkComposite's child process; run alone
// it skips.
func TestCompositeWorker(t *testing.T) {
	raw := os.Getenv(compositeWorkerEnv)
	if raw == "" {
		t.Skip("the child process of BenchmarkComposite")
	}
	egress.TuneGC() // as roomcast serve and worker run
	var spec workerSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("%s: %v", compositeWorkerEnv, err)
	}
	res, err := runCompositeWorker(spec)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec.Result, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
