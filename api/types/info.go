package types

import (
	"errors"
	"time"
)

// Job statuses.
const (
	StatusPending  = "pending"
	StatusStarting = "starting"
	StatusActive   = "active"
	StatusStopping = "stopping"
	StatusComplete = "complete"
	StatusFailed   = "failed"
	// StatusHandedOver: the job stopped here to go on on another worker.
	StatusHandedOver = "handed_over"
)

// ErrNotFound is returned for an unknown job or output id.
var ErrNotFound = errors.New("not found")

// ErrEnded is returned when changing a job that has ended.
var ErrEnded = errors.New("job has ended")

// ErrNotRunning is returned when changing the outputs of a job no worker
// runs yet.
var ErrNotRunning = errors.New("job is not running on a worker yet")

// ErrUnavailable is returned when the job bus cannot be reached.
var ErrUnavailable = errors.New("job bus unavailable")

// Info is a job as the API shows it. URLs are redacted: stream keys never
// appear.
type Info struct {
	ID     string `json:"id"`
	Tenant string `json:"-"`
	Room   string `json:"room"`
	Layout string `json:"layout"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Reason says why a job is pending (e.g. no worker has room for it).
	Reason string `json:"reason,omitempty"`
	// Worker is the worker that runs the job now.
	Worker string `json:"worker,omitempty"`
	// Kind is the job's cost class: passthrough, transcode or composite.
	Kind      string      `json:"kind,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	StartedAt *time.Time  `json:"started_at,omitempty"`
	EndedAt   *time.Time  `json:"ended_at,omitempty"`
	Video     VideoSpec   `json:"video"`
	Outputs   OutputsInfo `json:"outputs"`

	// Cost is the job's price, in percent of one core: what its spec
	// may need, raised when the job measures more (see jobs.Costs).
	Cost int `json:"cost,omitempty"`
	// MeasuredCPU is the CPU the job used lately, in percent of one core,
	// as its worker measures it (0 until measured).
	MeasuredCPU float64 `json:"measured_cpu"`
	// EncodeSeconds is the CPU-bound time spent encoding so far.
	EncodeSeconds float64 `json:"encode_seconds"`
	// DecodeSeconds is the time spent decoding the participants so far.
	DecodeSeconds float64 `json:"decode_seconds"`
	// Canvases are the pictures the job composes, the main one first,
	// each encoded once whatever number of outputs read it.
	Canvases []CanvasInfo `json:"canvases,omitempty"`
	// Quality is the job's quality report, while and after it runs.
	Quality *QualityInfo `json:"quality,omitempty"`
}

// CanvasInfo is one canvas of a running job.
type CanvasInfo struct {
	Name   string `json:"name"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	// FramesEncoded counts the frames composed and encoded (0 while one
	// participant's H.264 passes through).
	FramesEncoded uint64 `json:"frames_encoded"`
	// Outputs counts the outputs reading this canvas.
	Outputs int `json:"outputs"`
}

// OutputsInfo lists a job's outputs.
type OutputsInfo struct {
	RTMP   []RTMPInfo  `json:"rtmp"`
	Record *RecordInfo `json:"record,omitempty"`
}

// RecordInfo is the record output's progress. State is "degraded" while
// uploads fail (segments then wait in the spool), while the spool is low
// or full, or while segments are being dropped; Error says why.
type RecordInfo struct {
	RecordingID    string  `json:"recording_id"`
	State          State   `json:"state"`
	Segments       int     `json:"segments"`
	Bytes          int64   `json:"bytes"`
	Duration       float64 `json:"duration_seconds"`
	PendingUploads int     `json:"pending_uploads"`
	Error          string  `json:"error,omitempty"`
	// SpoolSecondsLeft is how long the spool can still take the running
	// recordings at their current rate (absent while nothing comes in).
	SpoolSecondsLeft *float64 `json:"spool_seconds_left,omitempty"`
	// Dropped counts what a full spool cost this recording, as its
	// manifest does; absent when nothing was dropped.
	Dropped *RecordDropped `json:"dropped,omitempty"`
}

// RecordDropped counts a recording's media segments and raw track parts
// lost to a full spool or disk, and their bytes.
type RecordDropped struct {
	Segments int   `json:"segments"`
	Raw      int   `json:"raw"`
	Bytes    int64 `json:"bytes"`
}

// RTMPInfo is one RTMP target's live health.
type RTMPInfo struct {
	ID            string `json:"id"`
	URL           string `json:"url"`              // redacted
	Canvas        string `json:"canvas,omitempty"` // the canvas it takes, if not the main one
	State         State  `json:"state"`
	Bytes         uint64 `json:"bytes"`
	BitrateKbps   int    `json:"bitrate_kbps"`
	Reconnects    int    `json:"reconnects"`
	DroppedFrames uint64 `json:"dropped_frames"`
	Error         string `json:"error,omitempty"` // the last error, kept once live again
	// DownSince is when the target stopped delivering (or started, if it
	// never went live); while reconnecting and once failed.
	DownSince *time.Time `json:"down_since,omitempty"`
	// NextRetryAt is when the next attempt starts (or the current one
	// started); while reconnecting.
	NextRetryAt *time.Time `json:"next_retry_at,omitempty"`
	// MaxRetrySeconds is the target's limit on staying down (0: none).
	MaxRetrySeconds float64 `json:"max_retry_seconds,omitempty"`
}

// Active reports whether the job has not ended.
func (i Info) Active() bool {
	return i.Status != StatusComplete && i.Status != StatusFailed && i.Status != StatusHandedOver
}

// Update changes a live job's outputs.
type Update struct {
	AddRTMP    []Target `json:"add_rtmp,omitempty"`
	RemoveRTMP []string `json:"remove_rtmp,omitempty"`
	// A layout change: "layout" and its options, as in the request.
	LayoutSpec
}

// ChangesLayout reports whether the update switches the layout.
func (u Update) ChangesLayout() bool { return u.Layout != "" }

// Filter selects jobs in List.
type Filter struct {
	Tenant     string
	Room       string
	ActiveOnly bool
}
