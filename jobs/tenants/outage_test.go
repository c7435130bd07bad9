package tenants

import (
	"strings"
	"testing"
	"time"
)

// TestNATSOutage cuts nodes off the bus: their caches keep
// authenticating what they last knew, Run reports and retries, and Run
// still returns when asked.
func TestNATSOutage(t *testing.T) {
	e := startNATS(t)
	ring := testRing(t, "k1")
	a, b := newNode(t, e, ring), newNode(t, e, ring)
	ra, rb := a.run(t), b.run(t)
	if _, err := a.store.Create(testCtx(t), Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	_, key, err := a.store.CreateKey(testCtx(t), "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*node{a, b} {
		within(t, propagation, "key loaded", func() bool { _, _, ok := n.store.Authenticate(key); return ok })
	}

	// b loses its connection for good.
	b.nc.Close()
	within(t, waitLimit, "b reports the failed watch", func() bool {
		return strings.Count(b.logs.String(), "tenants watch failed") >= 2 // it retried
	})
	if _, _, ok := b.store.Authenticate(key); !ok {
		t.Fatal("b stopped authenticating when it lost the bus")
	}
	rb.Stop(t)

	// The server goes away under a.
	e.Close()
	within(t, waitLimit, "a disconnected", func() bool { return !a.nc.IsConnected() })
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		if _, _, ok := a.store.Authenticate(key); !ok {
			t.Fatal("a stopped authenticating when the server went away")
		}
		if _, ok := a.store.TokenSecret("acme"); !ok {
			t.Fatal("a stopped serving the token secret when the server went away")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ra.Stop(t)
}

func TestRunReturnsOnCancel(t *testing.T) {
	e := startNATS(t)
	n := newNode(t, e, testRing(t, "k1"))
	r := n.run(t)
	start := time.Now()
	r.Stop(t)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Run took %s to return", d)
	}
}
