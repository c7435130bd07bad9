package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// outageBackoff is the server's egress.rtmp_max_backoff in the outage
// test: the default. The target is still back within seconds of its
// server, since its server is probed during the backoff.
const outageBackoff = 30 * time.Second

// TestEgressTargetOutage: one of two targets' nginx stops for 90 s
// (ROOMCAST_SOAK=1; 18 s in make test) and starts again on the same port.
// Throughout, that target reports reconnecting with its error, when it
// went down and when it tries next; it is live again within 5 s of its
// server's return; the other target never reconnects and its recording
// has no gap.
func TestEgressTargetOutage(t *testing.T) {
	outage := 18 * time.Second
	if os.Getenv("ROOMCAST_SOAK") == "1" {
		outage = 90 * time.Second
	}
	steady := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	flaky := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy"})
	s := egressRoom(t, steady, "h264", outage+90*time.Second)
	job := startEgress(t, s, steady.RTMPURL("live", "steady"), flaky.RTMPURL("live", "flaky"))
	waitStates(t, s, job.ID, 20*time.Second, "live", "live")
	start := time.Now()
	hold(t, s, job.ID, 3*time.Second)

	flaky.Stop()
	watchOutage(t, s, job.ID, time.Now(), outage)
	flaky.Start()
	back := liveAfter(t, s, job.ID, time.Now())
	t.Logf("live %.1f s after nginx returned (outage %v, backoff cap %v)", back.Seconds(), outage, outageBackoff)
	if back > 5*time.Second {
		t.Errorf("live %v after nginx returned, want within 5 s", back)
	}

	hold(t, s, job.ID, 5*time.Second)
	job = stopEgress(t, s, job.ID)
	if n := job.Outputs.RTMP[0].Reconnects; n != 0 {
		t.Errorf("steady target reconnected %d times", n)
	}
	p := checkRecording(t, steady, "steady", time.Since(start))
	const frame, margin = time.Second / 30, 50 * time.Millisecond
	if g := harness.MaxGap(p.Video); g > frame+margin {
		t.Errorf("steady target: video gap %v > %v; gaps %v", g, frame+margin, harness.Gaps(p.Video, frame+margin))
	}
	if g := harness.MaxGap(p.Audio); g > 1024*time.Second/48000+margin {
		t.Errorf("steady target: audio gap %v", g)
	}
}

// watchOutage polls the job every 500 ms for the outage, from stopped:
// once the flaky target (outputs[1]) noticed (within 3 s), every
// observation must say reconnecting with an error, one down_since and a
// next try no further off than the backoff cap; the steady target stays
// live throughout and the job active.
func watchOutage(t *testing.T, s *Server, id string, stopped time.Time, outage time.Duration) {
	t.Helper()
	var down *time.Time
	seen, beforeNotice := 0, 0
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		if now.Sub(stopped) >= outage {
			break
		}
		job := getEgress(t, s, id)
		if job.Status != "active" || len(job.Outputs.RTMP) != 2 || job.Outputs.RTMP[0].State != "live" {
			t.Fatalf("%v into the outage: job %s, outputs %+v", now.Sub(stopped).Round(time.Millisecond), job.Status, job.Outputs.RTMP)
		}
		o := job.Outputs.RTMP[1]
		if down == nil && o.State == "live" && now.Sub(stopped) < 3*time.Second {
			beforeNotice++
			continue
		}
		seen++
		if down == nil {
			down = o.DownSince
		}
		if err := checkReconnecting(o, down, time.Now()); err != "" {
			t.Errorf("%v into the outage: %s: %+v", now.Sub(stopped).Round(time.Millisecond), err, o)
		}
	}
	t.Logf("%d observations reconnecting (%d before the output noticed), down since %v", seen, beforeNotice, down)
	if seen < int(outage/time.Second) {
		t.Errorf("only %d observations while reconnecting", seen)
	}
}

// checkReconnecting says what is wrong with a target that should be
// reconnecting since down, observed at now; "" when nothing.
func checkReconnecting(o rtmpInfo, down *time.Time, now time.Time) string {
	switch {
	case o.State != "reconnecting":
		return "state " + o.State + ", want reconnecting"
	case o.Error == "" || strings.Contains(o.Error, "flaky"):
		return "want the last error, without the key"
	case o.DownSince == nil || down == nil || !o.DownSince.Equal(*down):
		return "down_since missing or moved"
	case o.NextRetryAt == nil || o.NextRetryAt.Before(*o.DownSince):
		return "next_retry_at missing or before down_since"
	case o.NextRetryAt.Sub(now) > outageBackoff+time.Second:
		return "next_retry_at further off than the backoff cap"
	}
	return ""
}

// liveAfter polls (100 ms) until the flaky target is live, within 15 s,
// and returns how long after returned that was.
func liveAfter(t *testing.T, s *Server, id string, returned time.Time) time.Duration {
	t.Helper()
	var job egressInfo
	Eventually(t, 15*time.Second, "the target live again", func() bool {
		job = getEgress(t, s, id)
		return len(job.Outputs.RTMP) == 2 && job.Outputs.RTMP[1].State == "live"
	})
	d := time.Since(returned)
	if o := job.Outputs.RTMP[1]; o.Reconnects < 1 || o.NextRetryAt != nil || o.DownSince != nil {
		t.Errorf("live again: %+v, want reconnects counted and no down_since or next_retry_at", o)
	}
	return d
}

// TestEgressRejectedFast: a target whose key on_publish refuses ends
// failed within 1 s of the job going active, without a retry; a target
// with max_retry_seconds 2 whose server is not there ends failed 2 s
// after it started, saying so; the good target goes on.
func TestEgressRejectedFast(t *testing.T) {
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Form.Get("name") == "refused-key" {
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer auth.Close()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{Meta: "copy", OnPublish: auth.URL + "/on_publish"})
	s := egressRoom(t, ng, "h264", time.Minute)
	nobody := "rtmp://" + testutil.FreeAddr(t) + "/live/nobody-key"
	job := postEgress(t, s, map[string]any{
		"room": "live", "layout": "speaker",
		"video": map[string]int{"width": 640, "height": 360, "fps": 30, "bitrate_kbps": 1000},
		"outputs": map[string]any{"rtmp": []any{ng.RTMPURL("live", "good-key"), ng.RTMPURL("live", "refused-key"),
			map[string]any{"url": nobody, "max_retry_seconds": 2}}},
	})
	failedAt := make([]time.Time, 3) // when each output was first seen failed
	harness.Eventually(t, 10*time.Second, "the refused and the limited target failed", func() bool {
		job = getEgress(t, s, job.ID)
		if len(job.Outputs.RTMP) != 3 {
			return false
		}
		for i, o := range job.Outputs.RTMP {
			if o.State == "failed" && failedAt[i].IsZero() {
				failedAt[i] = time.Now()
			}
		}
		return !failedAt[1].IsZero() && !failedAt[2].IsZero()
	})
	if job.StartedAt == nil {
		t.Fatalf("job %s has no started_at", job.Status)
	}
	refused, limited := job.Outputs.RTMP[1], job.Outputs.RTMP[2]
	took := failedAt[1].Sub(*job.StartedAt)
	t.Logf("refused target failed %.2f s after the job went active (at most; polled every 100 ms): %q", took.Seconds(), refused.Error)
	if took > time.Second {
		t.Errorf("refused target failed %v after the job went active, want within 1 s", took)
	}
	if refused.Reconnects != 0 || refused.NextRetryAt != nil || strings.Contains(refused.Error, "refused-key") {
		t.Errorf("refused target %+v: want no retry and the server's reason without the key", refused)
	}
	if limited.DownSince == nil {
		t.Fatalf("limited target %+v: no down_since", limited)
	}
	gaveUp := failedAt[2].Sub(*limited.DownSince)
	t.Logf("target with max_retry_seconds 2 failed %.2f s after it started (at most): %q", gaveUp.Seconds(), limited.Error)
	if gaveUp < 2*time.Second || gaveUp > 4*time.Second || limited.Reconnects < 1 ||
		!strings.Contains(limited.Error, "max_retry_seconds") || strings.Contains(limited.Error, "nobody-key") {
		t.Errorf("target with max_retry_seconds 2: %+v, want it failed after 2 s of retries, saying so", limited)
	}
	job = waitStates(t, s, job.ID, 10*time.Second, "live", "failed", "failed")
	hold(t, s, job.ID, 2*time.Second)
	stopEgress(t, s, job.ID)
}
