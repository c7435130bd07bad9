package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/roomcast/roomcast/test/testutil"
)

func TestDeliversInterleavedJobsInPublishOrder(t *testing.T) {
	js, _ := startJS(t)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	jobIDs := []string{"EG_a", "EG_b", "EG_c"}
	want := publishAll(t, js, jobIDs, 2) // some before Run starts
	d := newDispatcher(t, js, srv.URL+"/hooks", nil)
	r := startDispatcher(t, d)
	want = append(want, publishAll(t, js, jobIDs, 3)...)
	testutil.Eventually(t, waitLimit, "15 deliveries", func() bool { return d.Stats().Delivered >= uint64(len(want)) })
	r.stop(t)

	if got := rc.ids(); !equalIDs(got, want) {
		t.Fatalf("delivery order\n got %v\nwant %v", got, want)
	}
	if bad := rc.badErrs(); len(bad) > 0 {
		t.Fatalf("receiver rejected deliveries: %v", bad)
	}
	rc.mu.Lock()
	h, ev := rc.headers[0], rc.got[0]
	rc.mu.Unlock()
	if h.Get("Content-Type") != "application/json" || h.Get(HeaderEventType) != ev.Type {
		t.Errorf("headers %v for event %+v", h, ev)
	}
	if s := d.Stats(); s.Delivered != uint64(len(want)) || s.Failures != 0 || s.Retries != 0 {
		t.Errorf("stats %+v", s)
	}
}

// flakyEndpoint answers 500 once, closing its listener, so later attempts
// are refused until reopen serves the real receiver on the same address.
type flakyEndpoint struct {
	addr      string
	ln        net.Listener
	firstID   atomic.Value
	srv1, srv *http.Server
}

func newFlakyEndpoint(t *testing.T) *flakyEndpoint {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &flakyEndpoint{addr: ln.Addr().String(), ln: ln}
	var once atomic.Bool
	f.srv1 = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if once.CompareAndSwap(false, true) {
			f.firstID.Store(r.Header.Get(HeaderEventID))
			_ = ln.Close()
		}
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusInternalServerError)
	})}
	go func() { _ = f.srv1.Serve(ln) }()
	t.Cleanup(func() { _ = f.srv1.Close() })
	return f
}

func (f *flakyEndpoint) reopen(t *testing.T, h http.Handler) {
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	f.srv = &http.Server{Handler: h}
	go func() { _ = f.srv.Serve(ln) }()
	t.Cleanup(func() { _ = f.srv.Close() })
}

func TestRetriesUntilEndpointRecoversKeepingOrder(t *testing.T) {
	js, _ := startJS(t)
	f := newFlakyEndpoint(t)
	want := publishAll(t, js, []string{"EG_a", "EG_b", "EG_c"}, 2)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	url := "http://hookuser:hookpass@" + f.addr + "/in?token=querysecret"
	d := newDispatcher(t, js, url, log)
	startDispatcher(t, d)

	testutil.Eventually(t, waitLimit, "3 failed attempts", func() bool { return d.Stats().Failures >= 3 })
	rc := newReceiver()
	f.reopen(t, rc)
	testutil.Eventually(t, waitLimit, "all deliveries", func() bool { return d.Stats().Delivered >= uint64(len(want)) })

	if got := rc.ids(); !equalIDs(got, want) {
		t.Fatalf("delivery order\n got %v\nwant %v", got, want)
	}
	if first := f.firstID.Load(); first != want[0] {
		t.Errorf("failed attempt carried event id %v, redelivered %s", first, want[0])
	}
	s := d.Stats()
	if s.Failures < 3 || s.Retries < 3 || s.Delivered != uint64(len(want)) || s.LastError == "" {
		t.Errorf("stats %+v", s)
	}
	if !strings.Contains(s.LastError, "connection refused") {
		t.Errorf("last error %q, want connection refused", s.LastError)
	}
	for _, secret := range []string{testSecret, "querysecret", "hookpass"} {
		if strings.Contains(logs.String(), secret) || strings.Contains(s.LastError, secret) {
			t.Errorf("log or stats leak %q:\n%s", secret, logs.String())
		}
	}
}

func TestDuplicatePublishStoredOnce(t *testing.T) {
	js, _ := startJS(t)
	ev, err := NewEvent(EgressEnded, "TN_1", "EG_dup", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := Publish(testCtx(t), js, ev); err != nil {
			t.Fatal(err)
		}
	}
	st, err := js.Stream(testCtx(t), StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("stream holds %d messages, want 1", n)
	}
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := newDispatcher(t, js, srv.URL, nil)
	r := startDispatcher(t, d)
	last := publishAll(t, js, []string{"EG_dup"}, 1)
	testutil.Eventually(t, waitLimit, "2 deliveries", func() bool { return d.Stats().Delivered >= 2 })
	r.stop(t)
	if got, want := rc.ids(), []string{ev.ID, last[0]}; !equalIDs(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestRestartResumesWithoutLossOrReorder(t *testing.T) {
	js, _ := startJS(t)
	want := publishAll(t, js, []string{"EG_a", "EG_b"}, 2)
	var allow atomic.Bool
	rc := newReceiver()
	// The refused ID is copied: want grows below while the receiver's
	// handlers read it.
	refused := want[3]
	rc.reject = func(ev Event) bool { return ev.ID == refused && !allow.Load() }
	srv := httptest.NewServer(rc)
	defer srv.Close()

	dbg := slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d1 := newDispatcher(t, js, srv.URL, dbg.With("d", 1))
	r1 := startDispatcher(t, d1)
	testutil.Eventually(t, waitLimit, "3 deliveries and a retry", func() bool { return d1.Stats().Delivered == 3 && d1.Stats().Retries >= 1 })
	r1.stop(t) // mid-retry of the 4th event
	allow.Store(true)
	want = append(want, publishAll(t, js, []string{"EG_b", "EG_a"}, 1)...)

	d2 := newDispatcher(t, js, srv.URL, dbg.With("d", 2))
	r2 := startDispatcher(t, d2)
	testutil.Eventually(t, waitLimit, "6 deliveries", func() bool { return d2.Stats().Delivered >= 3 })
	r2.stop(t)
	// The first dispatcher's attempt under way at its stop got its answer
	// (refused) before allow flipped, and the wait after it was cut short:
	// every event arrives once, in order.
	if got := rc.ids(); !equalIDs(got, want) {
		t.Fatalf("delivery order\n got %v\nwant %v", got, want)
	}
	if s1, s2 := d1.Stats(), d2.Stats(); s1.Delivered != 3 || s2.Delivered != 3 {
		t.Errorf("delivered %d then %d, want 3 and 3", s1.Delivered, s2.Delivered)
	}
}

func TestUndecodableMessagesAreTerminated(t *testing.T) {
	js, _ := startJS(t)
	for _, junk := range []string{"not json", `{"id":"","type":"egress_ended","egress_id":"EG_x"}`, `{"id":"EV_1","type":"nope","egress_id":"EG_x"}`} {
		if _, err := js.Publish(testCtx(t), "roomcast.events.EG_x", []byte(junk)); err != nil {
			t.Fatal(err)
		}
	}
	want := publishAll(t, js, []string{"EG_x"}, 1)
	rc := newReceiver()
	srv := httptest.NewServer(rc)
	defer srv.Close()
	d := newDispatcher(t, js, srv.URL, nil)
	r := startDispatcher(t, d)
	testutil.Eventually(t, waitLimit, "1 delivery", func() bool { return d.Stats().Delivered >= 1 })
	r.stop(t)
	if got := rc.ids(); !equalIDs(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if s := d.Stats(); s.Dropped != 3 || s.Delivered != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestRunReturnsOnCancel(t *testing.T) {
	js, _ := startJS(t)
	d := newDispatcher(t, js, "http://127.0.0.1:1/", nil)
	r := startDispatcher(t, d)
	testutil.Eventually(t, waitLimit, "consumer", func() bool {
		_, err := js.Consumer(testCtx(t), StreamName, ConsumerName)
		return err == nil
	})
	if err := d.Run(context.Background()); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Run: %v, want ErrAlreadyRunning", err)
	}
	start := time.Now()
	r.stop(t)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("Run took %s to return", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := d.Run(ctx); err != nil {
		t.Errorf("Run on ended ctx: %v", err)
	}
}

func TestRunReturnsWhenConnectionClosed(t *testing.T) {
	js, nc := startJS(t)
	d := newDispatcher(t, js, "http://127.0.0.1:1/", nil)
	nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := d.Run(ctx); !errors.Is(err, nats.ErrConnectionClosed) {
		t.Fatalf("Run: %v, want ErrConnectionClosed", err)
	}
}

func TestNewDispatcherRejectsBadConfig(t *testing.T) {
	js, _ := startJS(t)
	ok := Config{URL: "https://hooks.example.com/x", Secret: "s"}
	cases := map[string]func(c *Config){
		"empty url":     func(c *Config) { c.URL = "" },
		"ftp scheme":    func(c *Config) { c.URL = "ftp://example.com/" },
		"no host":       func(c *Config) { c.URL = "https:///path" },
		"relative":      func(c *Config) { c.URL = "/hooks" },
		"bad url":       func(c *Config) { c.URL = "http://[::1" },
		"empty secret":  func(c *Config) { c.Secret = "" },
		"neg timeout":   func(c *Config) { c.Timeout = -time.Second },
		"min above max": func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Minute, time.Second },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			c := ok
			mutate(&c)
			if _, err := NewDispatcher(js, c); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := NewDispatcher(nil, ok); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("nil js: %v", err)
	}
	d, err := NewDispatcher(js, ok)
	if err != nil {
		t.Fatal(err)
	}
	if d.cfg.Timeout != DefaultTimeout || d.cfg.MinBackoff != DefaultMinBackoff || d.cfg.MaxBackoff != DefaultMaxBackoff {
		t.Errorf("defaults not applied: %+v", d.cfg)
	}
}

// TestShutdownLetsPostUnderWayAnswer: a dispatcher stopped while its
// POST waits for the endpoint's answer lets the POST finish and acks
// the event, instead of cutting it off and handing it back, which sends
// an event the endpoint already has a second time.
func TestShutdownLetsPostUnderWayAnswer(t *testing.T) {
	js, _ := startJS(t)
	rc := newReceiver()
	arrived, release := make(chan struct{}), make(chan struct{})
	var first atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if first.CompareAndSwap(false, true) {
			close(arrived)
			<-release
		}
		rc.ServeHTTP(w, r)
	}))
	defer srv.Close()
	want := publishAll(t, js, []string{"EG_a"}, 1)
	d1 := newDispatcher(t, js, srv.URL, testLogger(t))
	r1 := startDispatcher(t, d1)
	select {
	case <-arrived:
	case <-time.After(waitLimit):
		t.Fatal("the first POST did not arrive")
	}
	r1.cancel() // shutdown while the endpoint holds the POST
	close(release)
	r1.stop(t)
	if s := d1.Stats(); s.Delivered != 1 {
		t.Errorf("first dispatcher delivered %d, want 1", s.Delivered)
	}
	want = append(want, publishAll(t, js, []string{"EG_a"}, 1)...)
	d2 := newDispatcher(t, js, srv.URL, testLogger(t))
	r2 := startDispatcher(t, d2)
	// The queue keeps stream order: a handed-back first event would come
	// before the second.
	testutil.Eventually(t, waitLimit, "the second event", func() bool { return d2.Stats().Delivered >= 1 })
	r2.stop(t)
	if got := rc.ids(); !equalIDs(got, want) {
		t.Fatalf("got %v, want each event once: %v", got, want)
	}
}
