package egress

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roomcast/roomcast/test/testutil"
)

var errRefused = errors.New("connect: connection refused")

// refusals is n attempts that fail without connecting.
func refusals(n int) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = attempt{false, fmt.Errorf("rtmp 127.0.0.1:1935/live/****: %w", errRefused)}
	}
	return out
}

// run starts sup under a cancellable ctx; the returned func cancels and
// returns Run's error (bounded).
func run(t *testing.T, sup *Supervisor) (done <-chan error, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- sup.Run(ctx) }()
	return errc, func() error {
		cancel()
		return result(t, errc)
	}
}

func result(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("supervisor did not return within 5 s")
		return nil
	}
}

func newTestSupervisor(out Runnable, c *fakeClock, o SupervisorOptions) *Supervisor {
	o.Now, o.After = c.Now, c.After
	if o.Permanent == nil {
		o.Permanent = func(err error) bool { return errors.Is(err, errRejected) }
	}
	return NewSupervisor(out, o)
}

// TestSupervisorNeverGivesUp: 40 refused attempts in a row (20 minutes
// by the clock) leave the output reconnecting, each time with the error,
// when it went down and when it tries next; backoff 1, 2, 4 … capped at
// Backoff.Max; then it connects and is live.
func TestSupervisorNeverGivesUp(t *testing.T) {
	for _, capped := range []time.Duration{30 * time.Second, 4 * time.Second} {
		t.Run(capped.String(), func(t *testing.T) {
			const n = 40
			c := newFakeClock()
			start := c.Now()
			out := &scripted{attempts: refusals(n)}
			sup := newTestSupervisor(out, c, SupervisorOptions{Backoff: Backoff{Base: time.Second, Max: capped}})
			_, stop := run(t, sup)
			for i := 1; i <= n; i++ {
				d := c.next(t)
				if want := min(time.Second<<(i-1), capped); i < 20 && d != want {
					t.Fatalf("wait %d = %v, want %v", i, d, want)
				}
				st := sup.Status()
				if st.State != StateReconnecting || st.Reconnects != i || !strings.Contains(st.Error, "connection refused") ||
					!st.DownSince.Equal(start) || !st.NextRetryAt.Equal(c.Now().Add(d)) {
					t.Fatalf("after attempt %d: %+v (now %v, wait %v)", i, st, c.Now(), d)
				}
				c.fire()
			}
			testutil.Eventually(t, 5*time.Second, "condition", func() bool { return sup.Status().State == StateLive })
			if st := sup.Status(); !st.DownSince.IsZero() || !st.NextRetryAt.IsZero() || st.Reconnects != n {
				t.Errorf("live again: %+v, want no down/next times and %d reconnects", st, n)
			}
			if down := c.Now().Sub(start); down < 10*time.Minute && capped == 30*time.Second {
				t.Errorf("down %v by the clock, want the test to cover minutes", down)
			}
			if err := stop(); err != nil || sup.Status().State != StateStopped {
				t.Errorf("stop: %v, %+v", err, sup.Status())
			}
		})
	}
}

// TestSupervisorPermanentFailsAtOnce: a rejection fails the output on
// the attempt that saw it, first or after transient errors, with no wait.
func TestSupervisorPermanentFailsAtOnce(t *testing.T) {
	rejected := attempt{false, fmt.Errorf("rtmp x: %w: NetStream.Publish.BadName", errRejected)}
	for _, before := range []int{0, 3} {
		t.Run(fmt.Sprintf("after %d refusals", before), func(t *testing.T) {
			c := newFakeClock()
			out := &scripted{attempts: append(refusals(before), rejected)}
			sup := newTestSupervisor(out, c, SupervisorOptions{})
			done, _ := run(t, sup)
			for range before {
				c.next(t)
				c.fire()
			}
			err := result(t, done)
			if !errors.Is(err, errRejected) || errors.Is(err, ErrGaveUp) {
				t.Fatalf("Run = %v, want the rejection", err)
			}
			st := sup.Status()
			if st.State != StateFailed || !strings.Contains(st.Error, "BadName") || !st.NextRetryAt.IsZero() {
				t.Errorf("status %+v", st)
			}
			if w := c.allWaits(); len(w) != before {
				t.Errorf("waited %v, want %d waits", w, before)
			}
		})
	}
}

// TestSupervisorMaxRetry: with MaxRetry 10 s the output fails once it has
// been down 10 s, the last pause cut short to end there; going live
// starts the count again.
func TestSupervisorMaxRetry(t *testing.T) {
	drop := attempt{true, errors.New("server closed the connection")}
	cases := []struct {
		name      string
		attempts  []attempt
		waits     []time.Duration
		downAfter time.Duration // DownSince after the start
	}{
		{"never live", refusals(10), []time.Duration{1, 2, 4, 3}, 0},
		{"live, then down", append(append(refusals(1), drop), refusals(10)...), []time.Duration{1, 1, 2, 4, 3}, time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newFakeClock()
			start := c.Now()
			sup := newTestSupervisor(&scripted{attempts: tc.attempts}, c, SupervisorOptions{MaxRetry: 10 * time.Second})
			done, _ := run(t, sup)
			for range tc.waits {
				c.next(t)
				c.fire()
			}
			err := result(t, done)
			if !errors.Is(err, ErrRetryExpired) || !errors.Is(err, errRefused) {
				t.Fatalf("Run = %v, want ErrRetryExpired wrapping the last error", err)
			}
			st := sup.Status()
			if st.State != StateFailed || !strings.Contains(st.Error, "max_retry_seconds") || !strings.Contains(st.Error, "not live for 10s") ||
				!st.DownSince.Equal(start.Add(tc.downAfter)) {
				t.Errorf("status %+v", st)
			}
			var want []time.Duration
			for _, w := range tc.waits {
				want = append(want, w*time.Second)
			}
			if got := c.allWaits(); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("waits %v, want %v", got, want)
			}
		})
	}
}

// TestSupervisorStopWhileReconnecting: a stop during the pause ends Run
// at once (nil, stopped), without another attempt.
func TestSupervisorStopWhileReconnecting(t *testing.T) {
	c := newFakeClock()
	out := &scripted{attempts: refusals(5)}
	sup := newTestSupervisor(out, c, SupervisorOptions{})
	_, stop := run(t, sup)
	c.next(t)
	if err := stop(); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	st := sup.Status()
	if st.State != StateStopped || !st.NextRetryAt.IsZero() || !st.DownSince.IsZero() {
		t.Errorf("status %+v", st)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	if out.n != 1 {
		t.Errorf("%d attempts, want 1", out.n)
	}
}

// scriptedProbe refuses n probes, then accepts.
type scriptedProbe struct {
	mu      sync.Mutex
	refuse  int
	calls   int
	accepts int
}

func (p *scriptedProbe) probe(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls <= p.refuse {
		return errRefused
	}
	p.accepts++
	return nil
}

// TestSupervisorRetriesWhenTheServerIsBack: during a long backoff the
// server is probed; once it accepts again the output reconnects at once,
// not when the backoff ends.
func TestSupervisorRetriesWhenTheServerIsBack(t *testing.T) {
	out := &scripted{attempts: refusals(1)}
	p := &scriptedProbe{refuse: 3}
	sup := NewSupervisor(out, SupervisorOptions{
		Backoff: Backoff{Base: time.Minute, Max: time.Minute}, Probe: p.probe, ProbeEvery: 20 * time.Millisecond,
	})
	_, stop := run(t, sup)
	start := time.Now()
	testutil.Eventually(t, 5*time.Second, "condition", func() bool { return sup.Status().State == StateLive })
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("live %v after the first refusal, with a 1 min backoff", took)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.calls < 4 || p.accepts != 1 {
		t.Errorf("probes %d (accepted %d): want 3 refused, then 1 accepted", p.calls, p.accepts)
	}
}

// TestSupervisorProbeAcceptingDoesNotShortenBackoff: a server that takes
// connections but fails the stream keeps the backoff's pace.
func TestSupervisorProbeAcceptingDoesNotShortenBackoff(t *testing.T) {
	out := &scripted{attempts: refusals(1)}
	p := &scriptedProbe{refuse: 0}
	sup := NewSupervisor(out, SupervisorOptions{
		Backoff: Backoff{Base: time.Minute, Max: time.Minute}, Probe: p.probe, ProbeEvery: 10 * time.Millisecond,
	})
	_, stop := run(t, sup)
	testutil.Eventually(t, 5*time.Second, "condition", func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.calls >= 20
	})
	if st := sup.Status(); st.State != StateReconnecting {
		t.Errorf("after 20 accepting probes: %s, want still reconnecting (waiting out the backoff)", st.State)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}
