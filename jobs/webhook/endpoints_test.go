package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/test/testutil"
)

// timedReceiver is a receiver that notes when each event arrived.
type timedReceiver struct {
	*receiver
	mu      sync.Mutex
	arrived map[string]time.Time
}

func newTimedReceiver() *timedReceiver {
	return &timedReceiver{receiver: newReceiver(), arrived: map[string]time.Time{}}
}

func (tr *timedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get(HeaderEventID)
	tr.receiver.ServeHTTP(w, r)
	tr.mu.Lock()
	if _, ok := tr.arrived[id]; !ok {
		tr.arrived[id] = time.Now()
	}
	tr.mu.Unlock()
}

func (tr *timedReceiver) at(id string) (time.Time, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	t, ok := tr.arrived[id]
	return t, ok
}

// tenantDispatcher delivers to one endpoint per tenant, parking after
// attempts tries paced lo doubling to hi.
func tenantDispatcher(t *testing.T, js jetstream.JetStream, eps StaticEndpoints, attempts int, lo, hi time.Duration) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(js, Config{Endpoints: eps, MaxAttempts: attempts, Timeout: 2 * time.Second,
		MinBackoff: lo, MaxBackoff: hi, Logger: testLogger(t), Outbound: loopback})
	if err != nil {
		t.Fatal(err)
	}
	d.pollWait = 100 * time.Millisecond
	return d
}

// startReady runs d and waits until every endpoint's consumer exists: a
// tenant's endpoint receives the events made after that.
func startReady(t *testing.T, d *Dispatcher, eps StaticEndpoints) *running {
	t.Helper()
	r := startDispatcher(t, d)
	for _, e := range eps {
		testutil.Eventually(t, waitLimit, "consumer "+e.Name(), func() bool {
			_, err := d.js.Consumer(testCtx(t), StreamName, e.Name())
			return err == nil
		})
	}
	return r
}

func publishFor(t *testing.T, js jetstream.JetStream, tenant, job, typ string) Event {
	t.Helper()
	ev, err := NewEvent(typ, tenant, job, map[string]any{"job": job})
	if err != nil {
		t.Fatal(err)
	}
	if err := Publish(testCtx(t), js, ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestFailingEndpointDoesNotDelayAnother(t *testing.T) {
	js, _ := startJS(t)
	var refused atomic.Int64
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		refused.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer bad.Close()
	good := newTimedReceiver()
	goodSrv := httptest.NewServer(good)
	defer goodSrv.Close()
	// Each of A's events holds A's queue for 200+400 ms before it parks.
	const hold = 600 * time.Millisecond
	eps := StaticEndpoints{
		{Tenant: "ta", URL: bad.URL + "/a", Secret: testSecret},
		{Tenant: "tb", URL: goodSrv.URL + "/b", Secret: testSecret},
	}
	d := tenantDispatcher(t, js, eps, 3, 200*time.Millisecond, 400*time.Millisecond)
	startReady(t, d, eps)
	var aIDs []string
	for i := range 5 {
		aIDs = append(aIDs, publishFor(t, js, "ta", "EG_a"+string(rune('0'+i%2)), EgressUpdated).ID)
	}
	testutil.Eventually(t, waitLimit, "A's first refusal", func() bool { return refused.Load() > 0 })

	var want []string
	var worst, total time.Duration
	for i := range 10 {
		job := []string{"EG_b0", "EG_b1"}[i%2]
		sent := time.Now()
		ev := publishFor(t, js, "tb", job, EgressUpdated)
		want = append(want, ev.ID)
		testutil.Eventually(t, waitLimit, "B's event", func() bool { _, ok := good.at(ev.ID); return ok })
		at, _ := good.at(ev.ID)
		lat := at.Sub(sent)
		worst, total = max(worst, lat), total+lat
	}
	aName := Endpoint{Tenant: "ta", URL: bad.URL + "/a"}.Name()
	if n := d.EndpointStats()[aName].Parked; n >= 5 {
		t.Fatalf("A parked all its events (%d) before B's were sent: the test proves nothing", n)
	}
	t.Logf("tenant B, behind a failing tenant A: 10 events, mean %v, worst %v from publish to receipt (A holds its queue %v per event)",
		(total / 10).Round(time.Microsecond), worst.Round(time.Microsecond), hold)
	if worst >= hold/2 {
		t.Errorf("B's worst latency %v: B waits behind A", worst)
	}
	if got := good.ids(); !equalIDs(got, want) {
		t.Errorf("B got\n %v\nwant\n %v", got, want)
	}
	testutil.Eventually(t, waitLimit, "A's 5 events parked", func() bool { return d.EndpointStats()[aName].Parked == 5 })
	if n := refused.Load(); n != 15 {
		t.Errorf("A refused %d attempts, want 3 per event = 15", n)
	}
	parked, err := d.Parking().List(testCtx(t), "ta")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range parked {
		got = append(got, p.Event.ID)
		if p.Attempts != 3 || p.LastError != "status 500" || p.State != StateParked || p.Tenant != "ta" {
			t.Errorf("parked %+v", p)
		}
	}
	sort.Strings(got)
	sort.Strings(aIDs)
	if !equalIDs(got, aIDs) {
		t.Errorf("parked %v, want %v", got, aIDs)
	}
	if other, err := d.Parking().List(testCtx(t), "tb"); err != nil || len(other) != 0 {
		t.Errorf("tenant tb sees %d parked (%v)", len(other), err)
	}
}

func TestParkedEventIsListedAndRetried(t *testing.T) {
	js, _ := startJS(t)
	var allow atomic.Bool
	rc := newReceiver()
	// The first event is known by its job and type, not its id: the
	// dispatcher may send it before publishFor returns that.
	rc.reject = func(ev Event) bool { return ev.EgressID == "EG_x" && ev.Type == EgressStarted && !allow.Load() }
	srv := httptest.NewServer(rc)
	defer srv.Close()
	eps := StaticEndpoints{{Tenant: "ta", URL: srv.URL, Secret: testSecret}}
	d := tenantDispatcher(t, js, eps, 2, 10*time.Millisecond, 20*time.Millisecond)
	old := publishFor(t, js, "ta", "EG_old", EgressEnded) // before the endpoint existed: not sent
	r := startReady(t, d, eps)
	first := publishFor(t, js, "ta", "EG_x", EgressStarted)
	later := publishFor(t, js, "ta", "EG_x", EgressEnded)
	testutil.Eventually(t, waitLimit, "the later event", func() bool { return len(rc.ids()) == 1 })
	if got := rc.ids(); got[0] != later.ID || slices.Contains(got, old.ID) {
		t.Fatalf("got %v, want the later event %s after the first was parked", got, later.ID)
	}
	r.stop(t) // parked events outlive the dispatcher: a new Parking reads them
	p := NewParking(js)
	list, err := p.List(testCtx(t), "ta")
	if err != nil || len(list) != 1 || list[0].Event.ID != first.ID || list[0].Attempts != 2 {
		t.Fatalf("parked %+v, %v", list, err)
	}
	id := list[0].ID
	if _, err := p.Retry(testCtx(t), "tb", id); !errors.Is(err, ErrParkedNotFound) {
		t.Errorf("another tenant's retry: %v, want ErrParkedNotFound", err)
	}
	if _, err := p.Retry(testCtx(t), "ta", "PK_NOSUCH"); !errors.Is(err, ErrParkedNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	// Retried while the endpoint still refuses: parked again, attempts add up.
	d2 := tenantDispatcher(t, js, eps, 2, 10*time.Millisecond, 20*time.Millisecond)
	startDispatcher(t, d2)
	if rec, err := p.Retry(testCtx(t), "ta", id); err != nil || rec.State != StateRetrying {
		t.Fatalf("retry: %+v, %v", rec, err)
	}
	testutil.Eventually(t, waitLimit, "parked again", func() bool {
		l, err := p.List(testCtx(t), "ta")
		return err == nil && len(l) == 1 && l[0].Attempts == 4 && l[0].State == StateParked
	})
	allow.Store(true)
	if _, err := p.Retry(testCtx(t), "ta", id); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, waitLimit, "redelivered and unlisted", func() bool {
		l, err := p.List(testCtx(t), "ta")
		return err == nil && len(l) == 0 && len(rc.ids()) == 2
	})
	if got := rc.ids(); got[1] != first.ID {
		t.Errorf("got %v, want %s redelivered", got, first.ID)
	}
	if bad := rc.badErrs(); len(bad) > 0 {
		t.Errorf("receiver rejected: %v", bad)
	}
	if _, err := p.Retry(context.Background(), "ta", id); !errors.Is(err, ErrParkedNotFound) {
		t.Errorf("retry of a delivered event: %v", err)
	}
}

// TestUpgradeFromOneEndpointLayout: a stream and "webhooks" consumer as
// the single-endpoint dispatcher left them (one subject, no filter, an
// event on the old subject) are updated in place, and that event is
// delivered.
func TestUpgradeFromOneEndpointLayout(t *testing.T) {
	js, _ := startJS(t)
	ctx := testCtx(t)
	if err := js.DeleteStream(ctx, StreamName); err != nil {
		t.Fatal(err)
	}
	// The server removes the deleted stream's files in the background: a
	// create at once can find them still there, so it is retried briefly.
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, err = js.CreateStream(ctx, jetstream.StreamConfig{Name: StreamName, Subjects: []string{streamSubject},
			Storage: jetstream.FileStorage, Duplicates: dedupWindow})
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // bounded by the deadline above
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateConsumer(ctx, StreamName, jetstream.ConsumerConfig{Durable: ConsumerName,
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 1}); err != nil {
		t.Fatal(err)
	}
	ev, err := NewEvent(EgressEnded, "ta", "EG_old", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(ev)
	if _, err := js.Publish(ctx, subjectPrefix+ev.EgressID, body); err != nil { // the old subject
		t.Fatal(err)
	}
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := newDispatcher(t, js, srv.URL, testLogger(t))
	startDispatcher(t, d)
	newer := publishFor(t, js, "ta", "EG_new", EgressStarted)
	testutil.Eventually(t, waitLimit, "2 deliveries", func() bool { return len(rc.ids()) == 2 })
	if got := rc.ids(); !equalIDs(got, []string{ev.ID, newer.ID}) {
		t.Errorf("got %v", got)
	}
}
