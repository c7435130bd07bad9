package harness

import (
	"net/http"
	"testing"
)

// RecordJob is GET /v1/egress/{id} with its record output.
type RecordJob struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Error   string `json:"error"`
	Outputs struct {
		Record *struct {
			RecordingID    string  `json:"recording_id"`
			State          string  `json:"state"`
			Segments       int     `json:"segments"`
			Duration       float64 `json:"duration_seconds"`
			PendingUploads int     `json:"pending_uploads"`
			Error          string  `json:"error"`
		} `json:"record"`
	} `json:"outputs"`
}

// StartRecording starts a job that records room at 640x360 in 4 s
// segments and returns it with its recording id.
func (s *Server) StartRecording(t testing.TB, room string) RecordJob {
	t.Helper()
	body := map[string]any{
		"room":    room,
		"video":   map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 800},
		"outputs": map[string]any{"record": map[string]any{"segment_seconds": 4}},
	}
	var job RecordJob
	if code := s.Do(t, "POST", "/v1/egress", body, &job); code != http.StatusCreated {
		t.Fatalf("start recording: status %d %+v", code, job)
	}
	if job.Outputs.Record == nil || job.Outputs.Record.RecordingID == "" {
		t.Fatalf("no recording id in %+v", job)
	}
	return job
}

// GetEgress decodes GET /v1/egress/{id} into out, failing the test on any
// status but 200.
func (s *Server) GetEgress(t testing.TB, id string, out any) {
	t.Helper()
	if code := s.Do(t, "GET", "/v1/egress/"+id, nil, out); code != http.StatusOK {
		t.Fatalf("get egress %s: status %d", id, code)
	}
}
