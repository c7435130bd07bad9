package api

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/roomcast/roomcast/configs"
	"github.com/roomcast/roomcast/test/testutil"
)

// Two client addresses on one host: Linux routes all of 127.0.0.0/8 on lo.
const (
	slowIP   = "127.0.0.2"
	normalIP = "127.0.0.1"
)

func testLimits(header time.Duration, perIP int) configs.ServerCfg {
	return configs.ServerCfg{
		ReadHeaderTimeout: header, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second,
		StreamWriteTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second, MaxConnsPerIP: perIP,
	}
}

// startHTTP serves h with limits on 127.0.0.1:0 and returns its address
// and metrics.
func startHTTP(t *testing.T, limits configs.ServerCfg, h http.Handler) (string, *prometheus.Registry) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	lln, err := LimitConnsPerIP(ln, limits.MaxConnsPerIP, reg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	hs := NewHTTPServer(h, limits)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(lln) }()
	t.Cleanup(func() {
		_ = hs.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String(), reg
}

func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	c, err := testutil.DialFrom(src, addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func getFrom(src, addr, path string) (int, string, error) {
	return testutil.GetFrom(src, "http://"+addr+path, 5*time.Second)
}

func okHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
}

// TestSlowlorisAndPerIPCap: slow header senders are closed after
// ReadHeaderTimeout, another address is served meanwhile, and
// connections over one address's cap are reset at once.
func TestSlowlorisAndPerIPCap(t *testing.T) {
	const header, perIP = 2 * time.Second, 4
	addr, reg := startHTTP(t, testLimits(header, perIP), okHandler())
	closed := make(chan time.Duration, perIP)
	var slow sync.WaitGroup
	for range perIP {
		c := dialFrom(t, slowIP, addr)
		slow.Go(func() { closed <- testutil.Slowloris(c, 30*time.Second) })
	}
	// A connection beyond the cap is reset without waiting for a timeout.
	if refused, err := testutil.Refused(slowIP, addr, header+5*time.Second); err == nil || refused > header/2 {
		t.Errorf("connection over the cap: %v after %v, want it reset at once", err, refused)
	}
	if n := refusedCount(t, reg); n != 1 { // counted before the reset
		t.Errorf("refused counter %v, want 1", n)
	}
	// Another address is served while the slow ones hold their cap.
	code, body, err := getFrom(normalIP, addr, "/")
	if err != nil || code != http.StatusOK || body != "ok" {
		t.Fatalf("normal client during the attack: %d %q %v", code, body, err)
	}
	if len(closed) > 0 {
		t.Fatal("a slow connection closed before the normal client was served: the test proves nothing")
	}
	slow.Wait()
	for range perIP {
		if d := <-closed; d < header-100*time.Millisecond || d > header+2*time.Second { // timed from just after accept
			t.Errorf("slow connection closed after %v, want ReadHeaderTimeout %v (+2 s margin)", d, header)
		}
	}
	// Their slots are free again.
	if code, _, err := getFrom(slowIP, addr, "/"); err != nil || code != http.StatusOK {
		t.Errorf("slow address after its connections closed: %d %v", code, err)
	}
}

func refusedCount(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "roomcast_http_connections_refused_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no roomcast_http_connections_refused_total")
	return 0
}

// trickle writes n chunks of 64 KiB, one every 100 ms.
func trickle(w http.ResponseWriter, n int) {
	chunk := []byte(strings.Repeat("x", 64<<10))
	for i := range n {
		if i > 0 {
			time.Sleep(100 * time.Millisecond) // a slow producer, e.g. a remote store
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
}

// TestStreamWritesOutliveWriteTimeout: a download that progresses runs
// past WriteTimeout, a plain response does not, and a download whose
// client stopped reading is cut after StreamWriteTimeout.
func TestStreamWritesOutliveWriteTimeout(t *testing.T) {
	limits := testLimits(2*time.Second, 0)
	limits.WriteTimeout, limits.StreamWriteTimeout = 500*time.Millisecond, 500*time.Millisecond
	const chunks = 15 // 1.5 s of writing
	stalled := make(chan time.Duration, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("/stream", func(w http.ResponseWriter, r *http.Request) { trickle(streamWrites(w, r), chunks) })
	mux.HandleFunc("/plain", func(w http.ResponseWriter, _ *http.Request) { trickle(w, chunks) })
	mux.HandleFunc("/stall", func(w http.ResponseWriter, r *http.Request) {
		w = streamWrites(w, r)
		chunk := make([]byte, 1<<20)
		for {
			start := time.Now()
			if _, err := w.Write(chunk); err != nil {
				stalled <- time.Since(start)
				return
			}
		}
	})
	addr, _ := startHTTP(t, limits, mux)
	code, body, err := getFrom(normalIP, addr, "/stream")
	if err != nil || code != http.StatusOK || len(body) != chunks<<16 {
		t.Errorf("streamed download: %d, %d of %d bytes, %v", code, len(body), chunks<<16, err)
	}
	_, body, err = getFrom(normalIP, addr, "/plain")
	if err == nil && len(body) == chunks<<16 {
		t.Error("a plain response outlived WriteTimeout: the comparison above proves nothing")
	}
	c := dialFrom(t, normalIP, addr)
	if _, err := c.Write([]byte("GET /stall HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-stalled: // the client never reads
		if d < limits.StreamWriteTimeout-50*time.Millisecond || d > limits.StreamWriteTimeout+time.Second {
			t.Errorf("stalled write failed after %v, want StreamWriteTimeout %v", d, limits.StreamWriteTimeout)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a download to a client that reads nothing was not cut")
	}
}

func TestStreamWritesOutsideNewHTTPServer(t *testing.T) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	var w http.ResponseWriter = &streamWriter{}
	if got := streamWrites(w, r); got != w {
		t.Error("without NewHTTPServer's context, streamWrites must return w as is")
	}
}

func TestLimitConnsPerIPSetup(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if got, err := LimitConnsPerIP(ln, 0, nil, nil); err != nil || got != ln {
		t.Errorf("cap 0: %v, %T", err, got)
	}
	reg := prometheus.NewRegistry()
	if _, err := LimitConnsPerIP(ln, 1, reg, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := LimitConnsPerIP(ln, 1, reg, nil); err == nil || !strings.Contains(err.Error(), "connection limit metric") {
		t.Errorf("a second limit on one registry: %v, want a clear error", err)
	}
}
