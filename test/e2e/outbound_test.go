package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestEgressRefusesLocalTargets: through the real server, a job or an
// added target pointing at the cloud metadata address or a private
// network is a 400 naming the target's url field (the harness allows
// loopback only), and nothing reaches a worker: no job exists, no worker
// holds one, and no output ever named the address. The addresses are
// only checked by the API, never dialled.
func TestEgressRefusesLocalTargets(t *testing.T) {
	s := StartServer(t)
	s.CreateRoom(t, "live")
	targets := map[string]string{
		"rtmp://169.254.169.254/live/SECRET-meta": "link-local",
		"rtmp://10.1.2.3:1935/live/SECRET-priv":   "private",
		"rtmps://[fd00::1]/live/SECRET-ula":       "unique-local",
	}
	for target, rng := range targets {
		var e APIError
		body := map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []any{"rtmp://127.0.0.1:1/live/k", map[string]any{"url": target}}}}
		code := s.Do(t, "POST", "/v1/egress", body, &e)
		if code != http.StatusBadRequest || e.Error.Field != "outputs.rtmp[1].url" || !strings.Contains(e.Error.Message, rng) {
			t.Errorf("start with %s target: %d %q, want 400 naming outputs.rtmp[1].url", rng, code, e.Error.Message)
		}
		add := map[string]any{"add_rtmp": []string{target}}
		if code := s.Do(t, "PATCH", "/v1/egress/EG_none", add, &e); code != http.StatusBadRequest || e.Error.Field != "add_rtmp[0].url" {
			t.Errorf("add %s target: %d %q, want 400 naming add_rtmp[0].url", rng, code, e.Error.Message)
		}
		if strings.Contains(e.Error.Message, "SECRET") {
			t.Errorf("the error shows the key: %q", e.Error.Message)
		}
	}
	var jobs struct {
		Egress []struct{ ID string } `json:"egress"`
	}
	if code := s.Do(t, "GET", "/v1/egress", nil, &jobs); code != http.StatusOK || len(jobs.Egress) != 0 {
		t.Errorf("refused requests made jobs: %d %+v", code, jobs.Egress)
	}
	var workers struct {
		Workers []costWorker `json:"workers"`
	}
	if code := s.Do(t, "GET", "/v1/workers", nil, &workers); code != http.StatusOK || len(workers.Workers) == 0 {
		t.Fatalf("GET /v1/workers: %d %+v", code, workers)
	}
	for _, w := range workers.Workers {
		if len(w.Jobs) != 0 || w.Load != 0 {
			t.Errorf("worker %s took a refused job: %+v", w.ID, w)
		}
	}
	for _, addr := range []string{"169.254.169.254", "10.1.2.3", "fd00::1"} {
		if strings.Contains(s.Output(), addr) {
			t.Errorf("the server's log names %s: an output or a probe dialled it", addr)
		}
	}
}
