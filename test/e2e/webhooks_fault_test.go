package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomcast/roomcast/jobs/webhook"
	"github.com/roomcast/roomcast/test/harness"
	"github.com/roomcast/roomcast/test/nginxrtmp"
	"github.com/roomcast/roomcast/test/testutil"
)

// timedHooks is a hookReceiver that notes when each event first arrived.
type timedHooks struct {
	*hookReceiver
	mu      sync.Mutex
	arrived map[string]time.Time
}

func newTimedHooks(t *testing.T, secret string) *timedHooks {
	return &timedHooks{hookReceiver: &hookReceiver{t: t, secret: secret, seen: map[string]bool{}}, arrived: map[string]time.Time{}}
}

func (h *timedHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	h.hookReceiver.ServeHTTP(w, r)
	h.mu.Lock()
	defer h.mu.Unlock()
	if id := r.Header.Get(webhook.HeaderEventID); h.arrived[id].IsZero() {
		h.arrived[id] = now
	}
}

// eventsOf is job's events in arrival order.
func (h *timedHooks) eventsOf(job string) []webhook.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hookReceiver.mu.Lock()
	defer h.hookReceiver.mu.Unlock()
	var out []webhook.Event
	for _, ev := range h.events {
		if ev.EgressID == job {
			out = append(out, ev)
		}
	}
	return out
}

// checkSequence fails unless types are egress_started, egress_updated…,
// egress_ended, then recording_ready when withRecording.
func checkSequence(t *testing.T, job string, types []string, withRecording bool) {
	t.Helper()
	tail := []string{webhook.EgressEnded}
	if withRecording {
		tail = append(tail, webhook.RecordingReady)
	}
	ok := len(types) >= 1+len(tail) && types[0] == webhook.EgressStarted
	for i, typ := range types[1:] {
		if i+1 >= len(types)-len(tail) {
			ok = ok && typ == tail[i+1-(len(types)-len(tail))]
		} else {
			ok = ok && typ == webhook.EgressUpdated
		}
	}
	if !ok {
		t.Errorf("job %s events %v: want egress_started, egress_updated…, %s", job, types, strings.Join(tail, ", "))
	}
}

func typesOf(evs []webhook.Event) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

type parkedList struct {
	Parked []webhook.Parked `json:"parked"`
}

// TestWebhooksFailingTenant: tenant A's endpoint answers 500 forever,
// tenant B's works. B gets every event of its jobs in order, each within
// 2 s of the transition; A's events end parked, listed for A only.
func TestWebhooksFailingTenant(t *testing.T) {
	const secretA, secretB = "tenant-a-secret-0123456789", "tenant-b-secret-0123456789"
	const keyA, keyB = "tenant-a-key-0123456789", "tenant-b-key-0123456789"
	var refusedA atomic.Int64
	hookA := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		refusedA.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer hookA.Close()
	recB := newTimedHooks(t, secretB)
	hookB := httptest.NewServer(recB)
	defer hookB.Close()
	endpoints, _ := json.Marshal([]map[string]string{
		{"tenant": "tenant-a", "url": hookA.URL + "/a", "secret": secretA},
		{"tenant": "tenant-b", "url": hookB.URL + "/b", "secret": secretB},
	})
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true})
	s := StartServer(t, "ROOMCAST_API_KEY="+harness.TestKey+",tenant-a:"+keyA+",tenant-b:"+keyB,
		"ROOMCAST_WEBHOOK_ENDPOINTS="+string(endpoints), "ROOMCAST_WEBHOOK_MAX_ATTEMPTS=3",
		"ROOMCAST_WEBHOOK_MIN_BACKOFF=300ms", "ROOMCAST_WEBHOOK_MAX_BACKOFF=1s",
		"ROOMCAST_WORKER_CAPACITY=1000") // four jobs at once, whatever their price
	liveRoomAs(t, s, keyA) // rooms are per tenant: one for each
	liveRoomAs(t, s, keyB)
	jobs := map[string]string{} // job → key
	for i, key := range []string{keyA, keyA, keyB, keyB} {
		var j clusterJob
		body := map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), fmt.Sprintf("t-%d", i))}}}
		if code := s.DoKey(t, key, "POST", "/v1/egress", body, &j); code != http.StatusCreated {
			t.Fatalf("start: %d", code)
		}
		jobs[j.ID] = key
	}
	for id, key := range jobs {
		Eventually(t, 30*time.Second, "job live", func() bool {
			var j clusterJob
			s.DoKey(t, key, "GET", "/v1/egress/"+id, nil, &j)
			return j.Status == "active" && len(j.Outputs.RTMP) == 1 && j.Outputs.RTMP[0].State == "live"
		})
	}
	for id, key := range jobs {
		if code := s.DoKey(t, key, "DELETE", "/v1/egress/"+id, nil, nil); code != http.StatusOK {
			t.Fatalf("stop: %d", code)
		}
	}
	var aJobs []string
	for id, key := range jobs {
		if key == keyA {
			aJobs = append(aJobs, id)
			continue
		}
		Eventually(t, 20*time.Second, "B's egress_ended", func() bool {
			evs := recB.eventsOf(id)
			return len(evs) > 0 && evs[len(evs)-1].Type == webhook.EgressEnded
		})
		evs := recB.eventsOf(id)
		checkSequence(t, id, typesOf(evs), false)
		for _, ev := range evs {
			recB.mu.Lock()
			lag := recB.arrived[ev.ID].Sub(ev.Time)
			recB.mu.Unlock()
			t.Logf("B %s %s delivered %v after the transition", id, ev.Type, lag.Round(time.Millisecond))
			if lag > 2*time.Second {
				t.Errorf("B's %s of %s arrived %v after the transition", ev.Type, id, lag)
			}
		}
	}
	var list parkedList
	Eventually(t, 30*time.Second, "A's egress_ended parked for both jobs", func() bool {
		if code := s.DoKey(t, keyA, "GET", "/v1/webhooks/parked", nil, &list); code != http.StatusOK {
			t.Fatalf("GET parked: %d", code)
		}
		ended := 0
		for _, p := range list.Parked {
			if p.Event.Type == webhook.EgressEnded {
				ended++
			}
		}
		return ended == len(aJobs)
	})
	for _, p := range list.Parked {
		if p.Tenant != "tenant-a" || p.Attempts != 3 || p.LastError != "status 500" || jobs[p.Event.EgressID] != keyA {
			t.Errorf("parked %+v", p)
		}
	}
	for _, id := range aJobs {
		var types []string
		for _, p := range list.Parked {
			if p.Event.EgressID == id {
				types = append(types, p.Event.Type)
			}
		}
		checkSequence(t, id, types, false)
	}
	if n := refusedA.Load(); n != int64(3*len(list.Parked)) {
		t.Errorf("A's endpoint refused %d attempts for %d parked events, want 3 each", n, len(list.Parked))
	}
	var other parkedList
	if code := s.DoKey(t, keyB, "GET", "/v1/webhooks/parked", nil, &other); code != http.StatusOK || len(other.Parked) != 0 {
		t.Errorf("B lists %d parked (status %d), want none", len(other.Parked), code)
	}
	id := list.Parked[0].ID
	if code := s.DoKey(t, keyB, "POST", "/v1/webhooks/parked/"+id+"/retry", nil, nil); code != http.StatusNotFound {
		t.Errorf("B retries A's parked event: %d, want 404", code)
	}
	before := refusedA.Load()
	if code := s.DoKey(t, keyA, "POST", "/v1/webhooks/parked/"+id+"/retry", nil, nil); code != http.StatusAccepted {
		t.Errorf("A retries its parked event: %d, want 202", code)
	}
	Eventually(t, 15*time.Second, "the retried event tried 3 more times", func() bool { return refusedA.Load() == before+3 })
	t.Logf("A: %d events parked after %d refused attempts; B: every event within 2 s", len(list.Parked), refusedA.Load())
}

// outageLength is how long TestWebhooksNATSOutage keeps NATS down.
func outageLength() time.Duration {
	if os.Getenv("ROOMCAST_SOAK") == "1" {
		return 3 * time.Minute
	}
	return 15 * time.Second
}

// outboxEvents reads roomcast_webhook_outbox_events from a worker's
// /metrics.
func outboxEvents(t *testing.T, url string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("worker metrics: %v", err)
	}
	defer resp.Body.Close()
	text, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("worker metrics: %v", err)
	}
	return metricValue(t, string(text), "roomcast_webhook_outbox_events")
}

// TestWebhooksNATSOutage: NATS stops while jobs start, change and end on
// a worker process; their events wait in the worker's outbox and reach
// the endpoint, every one, in order per job, once NATS is back.
func TestWebhooksNATSOutage(t *testing.T) {
	const secret = "outage-secret-0123456789"
	rec := newTimedHooks(t, secret)
	hook := httptest.NewServer(rec)
	defer hook.Close()
	var reject atomic.Bool
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if reject.Load() && strings.HasPrefix(r.Form.Get("name"), "drop-") {
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	defer auth.Close()
	ng := nginxrtmp.Start(t, nginxrtmp.Options{NoTLS: true, OnPublish: auth.URL + "/on_publish"})
	nats := harness.StartNATS(t, binary)
	env := []string{"ROOMCAST_WEBHOOK_MIN_BACKOFF=100ms", "ROOMCAST_WEBHOOK_MAX_BACKOFF=1s", "ROOMCAST_STORAGE_LOCAL_PATH=" + t.TempDir(),
		"ROOMCAST_WORKER_CAPACITY=1000"} // three jobs at once on one worker, whatever their price
	s := harness.StartServerIn(t, binary, t.TempDir(), append([]string{"ROOMCAST_NATS_URL=" + nats.URL, "ROOMCAST_WORKERS=0",
		"ROOMCAST_WEBHOOK_URL=" + hook.URL + "/hooks", "ROOMCAST_WEBHOOK_SECRET=" + secret}, env...)...)
	metrics := testutil.FreeAddr(t)
	w := harness.StartWorker(t, binary, nats.URL, s, "w1", append(env, "ROOMCAST_WORKER_METRICS_LISTEN="+metrics)...)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker output:\n%s", lastLines(w.Output(), 120))
		}
	})
	liveRoom(t, s)
	start := func(key string) string {
		var j clusterJob
		body := map[string]any{"room": "live", "outputs": map[string]any{"rtmp": []string{ng.RTMPURL(ng.App(), key)}}}
		if code := s.Do(t, "POST", "/v1/egress", body, &j); code != http.StatusCreated {
			t.Fatalf("start: %d", code)
		}
		return j.ID
	}
	live := func(id string) func() bool {
		return func() bool {
			var j clusterJob
			s.Do(t, "GET", "/v1/egress/"+id, nil, &j)
			return j.Status == "active" && len(j.Outputs.RTMP) == 1 && j.Outputs.RTMP[0].State == "live"
		}
	}
	keep, drop := start("keep-1"), start("drop-2")
	Eventually(t, 30*time.Second, "keep live", live(keep))
	Eventually(t, 30*time.Second, "drop live", live(drop))
	late := start("late-3") // taken by the worker, then started without NATS
	Eventually(t, 15*time.Second, "late taken", func() bool {
		var j clusterJob
		s.Do(t, "GET", "/v1/egress/"+late, nil, &j)
		return j.Worker != ""
	})

	nats.Stop()
	down := time.Now()
	// Without NATS: nginx restarts and now refuses drop-2, so that job
	// ends; keep-1 reconnects; late-3 goes live.
	reject.Store(true)
	ng.Stop()
	ng.Start()
	outbox := "http://" + metrics + "/metrics"
	Eventually(t, outageLength(), "job events held in the worker's outbox", func() bool {
		return outboxEvents(t, outbox) >= 2
	})
	held := outboxEvents(t, outbox)
	Eventually(t, outageLength()+10*time.Second, "the outage's length", func() bool { return time.Since(down) > outageLength() })
	t.Logf("NATS down %v; the worker's outbox held %.0f events", time.Since(down).Round(time.Second), held)
	nats.Start()

	Eventually(t, 60*time.Second, "the outbox drained", func() bool { return outboxEvents(t, outbox) == 0 })
	Eventually(t, 30*time.Second, "keep live after the outage", live(keep))
	Eventually(t, 30*time.Second, "late live after the outage", live(late))
	for _, id := range []string{keep, late} {
		if code := s.Do(t, "DELETE", "/v1/egress/"+id, nil, nil); code != http.StatusOK {
			t.Fatalf("stop: %d", code)
		}
	}
	for _, id := range []string{keep, drop, late} {
		Eventually(t, 30*time.Second, "egress_ended delivered", func() bool {
			evs := rec.eventsOf(id)
			return len(evs) > 0 && evs[len(evs)-1].Type == webhook.EgressEnded
		})
		evs := rec.eventsOf(id)
		checkSequence(t, id, typesOf(evs), false)
		var during []string
		for _, ev := range evs {
			if ev.Time.After(down) && ev.Time.Before(down.Add(outageLength())) {
				during = append(during, ev.Type)
			}
		}
		t.Logf("job %s: %v; made during the outage: %v", id, typesOf(evs), during)
		if id == drop && (len(during) == 0 || during[len(during)-1] != webhook.EgressEnded) {
			t.Errorf("job %s ended during the outage, but its egress_ended was not made then: %v", id, during)
		}
	}
	if out := w.Output(); strings.Contains(out, "job event lost") {
		t.Errorf("the worker lost events:\n%s", out)
	}
}

// lastLines is the end of a process's output.
func lastLines(out string, n int) string {
	lines := strings.Split(out, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
