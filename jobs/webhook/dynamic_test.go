package webhook

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/roomcast/roomcast/test/testutil"
)

// dynamicEndpoints is an Endpoints whose list the test changes, as a
// tenant store's does when tenants change their webhook settings.
type dynamicEndpoints struct {
	mu  sync.Mutex
	eps []Endpoint
}

func (d *dynamicEndpoints) List(context.Context) ([]Endpoint, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Endpoint(nil), d.eps...), nil
}

func (d *dynamicEndpoints) set(eps ...Endpoint) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.eps = eps
}

// dynamicDispatcher is a quick-refreshing Dispatcher over dyn.
func dynamicDispatcher(t *testing.T, js jetstream.JetStream, dyn *dynamicEndpoints) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(js, Config{Endpoints: dyn, Refresh: 20 * time.Millisecond, Timeout: 2 * time.Second,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond, Outbound: loopback})
	if err != nil {
		t.Fatal(err)
	}
	d.pollWait = 100 * time.Millisecond
	return d
}

// TestEndpointsFollowSettings: a running Dispatcher starts a tenant's
// queue when its endpoint appears (events from then on, only the
// tenant's), restarts it with a new secret, and stops it when it goes.
func TestEndpointsFollowSettings(t *testing.T) {
	js, _ := startJS(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	dyn := &dynamicEndpoints{}
	d := dynamicDispatcher(t, js, dyn)
	r := startDispatcher(t, d)
	before := publishFor(t, js, "acme", "EG_x", EgressStarted).ID

	acme := Endpoint{Tenant: "acme", URL: srv.URL, Secret: testSecret}
	dyn.set(acme)
	testutil.Eventually(t, waitLimit, "acme's consumer", func() bool {
		_, err := js.Consumer(testCtx(t), StreamName, acme.Name())
		return err == nil
	})
	first := publishFor(t, js, "acme", "EG_x", EgressStarted).ID
	publishFor(t, js, "beta", "EG_x", EgressStarted)
	second := publishFor(t, js, "acme", "EG_x", EgressStarted).ID
	testutil.Eventually(t, waitLimit, "2 deliveries", func() bool { return len(rc.ids()) >= 2 })

	rc.mu.Lock()
	rc.secret = "whsec_rotated"
	rc.mu.Unlock()
	rotated := acme
	rotated.Secret = "whsec_rotated"
	dyn.set(rotated)
	testutil.Eventually(t, waitLimit, "the queue restarted with the new secret", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		q := d.queues[acme.Name()]
		return q != nil && q.ep.Secret == "whsec_rotated"
	})
	third := publishFor(t, js, "acme", "EG_x", EgressStarted).ID
	testutil.Eventually(t, waitLimit, "3 deliveries", func() bool { return len(rc.ids()) >= 3 })

	dyn.set()
	testutil.Eventually(t, waitLimit, "acme's queue stopped", func() bool { return len(d.EndpointStats()) == 0 })
	r.stop(t)

	if got, want := rc.ids(), []string{first, second, third}; !equalIDs(got, want) {
		t.Errorf("deliveries %v, want %v (not %s, sent before the endpoint, nor beta's)", got, want, before)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.bad) > 0 {
		t.Errorf("deliveries that did not verify: %v", rc.bad)
	}
}

// TestEndpointSince: a tenant's endpoint set up at Since gets the events
// made from then on, even those made before its queue started; not
// older ones.
func TestEndpointSince(t *testing.T) {
	js, _ := startJS(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	older := publishFor(t, js, "acme", "EG_x", EgressStarted).ID
	since := time.Now()
	testutil.Eventually(t, waitLimit, "the clock past the older event", func() bool { return time.Since(since) > 10*time.Millisecond })
	early := publishFor(t, js, "acme", "EG_x", EgressUpdated).ID
	dyn := &dynamicEndpoints{}
	dyn.set(Endpoint{Tenant: "acme", URL: srv.URL, Secret: testSecret, Since: since})
	d := dynamicDispatcher(t, js, dyn)
	r := startDispatcher(t, d)
	later := publishFor(t, js, "acme", "EG_x", EgressEnded).ID
	testutil.Eventually(t, waitLimit, "2 deliveries", func() bool { return len(rc.ids()) >= 2 })
	r.stop(t)
	if got, want := rc.ids(), []string{early, later}; !equalIDs(got, want) {
		t.Errorf("deliveries %v, want %v (not %s, made before Since)", got, want, older)
	}
}
