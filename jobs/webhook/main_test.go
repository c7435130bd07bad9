package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/test/natstest"
)

const (
	testSecret = "whsec_test_do_not_log"
	waitLimit  = 10 * time.Second
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// startJS starts an embedded JetStream server for one test, with the
// event stream in place.
func startJS(t *testing.T) (jetstream.JetStream, *nats.Conn) {
	t.Helper()
	js, nc := natstest.JetStream(t, natstest.StartNATS(t))
	if err := EnsureStream(testCtx(t), js); err != nil {
		t.Fatal(err)
	}
	return js, nc
}

// testCtx is a bounded context for setup calls.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// running is a Dispatcher's Run in a goroutine.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func startDispatcher(t *testing.T, d *Dispatcher) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- d.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits, bounded, for it to return nil.
func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
		if ok {
			close(r.done)
		}
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after cancel")
	}
}

// newDispatcher delivers to one global endpoint, retrying for as long
// as the tests of order and restart need (parking has its own tests).
func newDispatcher(t *testing.T, js jetstream.JetStream, url string, log *slog.Logger) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(js, Config{
		URL: url, Secret: testSecret, Timeout: 2 * time.Second,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, MaxAttempts: 1000,
		Logger: log, Outbound: loopback,
	})
	if err != nil {
		t.Fatal(err)
	}
	d.pollWait = 100 * time.Millisecond // quick shutdown in tests
	return d
}

// onlyQueue is the queue of a Dispatcher with one endpoint.
func onlyQueue(t *testing.T, d *Dispatcher) *queue {
	t.Helper()
	eps, err := d.endpoints(testCtx(t))
	if err != nil || len(eps) != 1 {
		t.Fatalf("endpoints: %d, %v", len(eps), err)
	}
	q, err := d.newQueue(eps[0])
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// receiver is a webhook endpoint that verifies and records deliveries.
type receiver struct {
	mu       sync.Mutex
	got      []Event        // accepted deliveries, in arrival order
	attempts map[string]int // per event ID, including refused ones
	bad      []error        // verification or decoding failures
	headers  []http.Header
	reject   func(Event) bool // answer 500 when true
	secret   string           // "" : testSecret
}

func newReceiver() *receiver { return &receiver{attempts: map[string]int{}} }

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var ev Event
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	if secret == "" {
		secret = testSecret
	}
	err := Verify(secret, r.Header, body, time.Now(), time.Minute)
	if err == nil {
		err = json.Unmarshal(body, &ev)
	}
	if err == nil && r.Header.Get(HeaderEventID) != ev.ID {
		err = errors.New("event id header mismatch")
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.bad = append(rc.bad, err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.attempts[ev.ID]++
	if rc.reject != nil && rc.reject(ev) {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	rc.got = append(rc.got, ev)
	rc.headers = append(rc.headers, r.Header.Clone())
	w.WriteHeader(http.StatusNoContent)
}

func (rc *receiver) ids() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	ids := make([]string, len(rc.got))
	for i, ev := range rc.got {
		ids[i] = ev.ID
	}
	return ids
}

func (rc *receiver) badErrs() []error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]error(nil), rc.bad...)
}

// publishAll publishes events for jobs in turn and returns their IDs.
func publishAll(t *testing.T, js jetstream.JetStream, jobIDs []string, rounds int) []string {
	t.Helper()
	types := []string{EgressStarted, EgressUpdated, EgressUpdated, EgressEnded, RecordingReady}
	var ids []string
	for i := range rounds {
		for _, job := range jobIDs {
			ev, err := NewEvent(types[i%len(types)], "TN_1", job, map[string]any{"round": i, "job": job})
			if err != nil {
				t.Fatal(err)
			}
			if err := Publish(testCtx(t), js, ev); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, ev.ID)
		}
	}
	return ids
}

func equalIDs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// testLogger writes warnings and worse to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
