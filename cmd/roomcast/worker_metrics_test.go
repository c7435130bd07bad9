package main

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/test/testutil"
)

// TestWorkerMetricsLimits checks that a worker's metrics listener has
// server:'s limits: slow header senders are closed after the read-header
// timeout, one address's extra connections are reset, and /healthz is
// served to another address meanwhile.
func TestWorkerMetricsLimits(t *testing.T) {
	defer goleak.VerifyNone(t)
	limits := configs.Default().Server
	limits.ReadHeaderTimeout, limits.MaxConnsPerIP = time.Second, 2
	addr := testutil.FreeAddr(t)
	stop, err := serveWorkerMetrics(addr, limits, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	open := make(chan time.Duration, 2)
	for range 2 {
		c, err := testutil.DialFrom("127.0.0.2", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		go func() { open <- testutil.Slowloris(c, 10*time.Second) }()
	}
	if d, err := testutil.Refused("127.0.0.2", addr, 5*time.Second); err == nil || d > limits.ReadHeaderTimeout/2 {
		t.Errorf("third connection from one address: %v after %v, want a reset at once", err, d)
	}
	if code, body, err := testutil.GetFrom("127.0.0.1", "http://"+addr+"/healthz", 5*time.Second); err != nil || code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz from another address: %d %q %v", code, body, err)
	}
	for range 2 {
		if d := <-open; d < limits.ReadHeaderTimeout-100*time.Millisecond || d > limits.ReadHeaderTimeout+2*time.Second {
			t.Errorf("slow connection closed after %v, want %v", d, limits.ReadHeaderTimeout)
		}
	}
}
