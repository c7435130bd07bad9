package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestFleetLocalStorage: a fleet on the local backend shares one
// directory (storage.local.path, an NFS mount in production): what a
// remote worker records is listed and served by the API server. Without
// the shared path a worker refuses to start and names the fix.
func TestFleetLocalStorage(t *testing.T) {
	t.Run("refused without a shared path", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		dead := "nats://" + testutil.FreeAddr(t)
		cmd := exec.CommandContext(ctx, binary, "worker", "--nats", dead, "--server", "http://127.0.0.1:1", "--data", t.TempDir())
		cmd.Env = append(os.Environ(), "ROOMCAST_API_KEY="+harness.TestKey, "ROOMCAST_STORAGE_BACKEND=local")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 || ctx.Err() != nil {
			t.Fatalf("worker on unshared local storage did not fail: %v\n%s", err, out)
		}
		if !strings.Contains(string(out), "storage.local.path") || !strings.Contains(string(out), "s3") {
			t.Errorf("the refusal does not name the fix:\n%s", out)
		}
	})

	shared := t.TempDir()
	store := backend{name: "local-shared", env: []string{"ROOMCAST_STORAGE_BACKEND=local", "ROOMCAST_STORAGE_LOCAL_PATH=" + shared}}
	c := &cluster{nats: harness.StartNATS(t, binary), store: store, workers: map[string]*harness.Process{}, data: map[string]string{}}
	c.env = append([]string{"ROOMCAST_WORKER_LEASE=3s"}, store.env...)
	c.api = harness.StartServerIn(t, binary, t.TempDir(), append([]string{"ROOMCAST_NATS_URL=" + c.nats.URL, "ROOMCAST_WORKERS=0"}, c.env...)...)
	c.addWorker(t, "w1")
	liveRoom(t, c.api)
	j := c.start(t, map[string]any{"room": "live", "outputs": map[string]any{"record": map[string]any{"segment_seconds": 2}}})
	rid := j.Outputs.Record.RecordingID
	c.waitJob(t, j.ID, 30*time.Second, "3 segments recorded by worker w1", func(j clusterJob) bool {
		return isActive(j) && j.Worker == "w1" && j.Outputs.Record != nil && j.Outputs.Record.Segments >= 3
	})
	if code := c.api.Do(t, "DELETE", "/v1/egress/"+j.ID, nil, nil); code != http.StatusOK {
		t.Fatalf("stop: %d", code)
	}
	m := waitStatus(t, c.api, rid, "complete", 30*time.Second)
	var list struct {
		Recordings []struct {
			ID string `json:"id"`
		} `json:"recordings"`
	}
	if code := c.api.Do(t, "GET", "/v1/recordings", nil, &list); code != http.StatusOK {
		t.Fatalf("list recordings: %d", code)
	}
	listed := false
	for _, r := range list.Recordings {
		listed = listed || r.ID == rid
	}
	if !listed {
		t.Errorf("recording %s by worker w1 is not listed by the API server: %+v", rid, list)
	}
	checkContiguous(t, m)
	checkObjects(t, c.api, m)
	checkPlaylist(t, c.api, rid)
	checkDownload(t, c.api, m)
	t.Logf("recording %s by w1: %.1f s, %d segments, listed and served by the API server", rid, m.Duration, len(m.Segments))
}
