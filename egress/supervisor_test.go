package egress

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/roomcast/roomcast/test/testutil"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scripted is an output whose attempts follow a script: each entry says
// whether the attempt connects and what it returns.
type scripted struct {
	mu        sync.Mutex
	attempts  []attempt
	n         int
	connected atomic.Bool
}

type attempt struct {
	connect bool
	err     error // nil: run until ctx ends
}

func (o *scripted) Run(ctx context.Context) error {
	o.mu.Lock()
	a := attempt{connect: true}
	if o.n < len(o.attempts) {
		a = o.attempts[o.n]
	}
	o.n++
	o.mu.Unlock()
	o.connected.Store(a.connect)
	defer o.connected.Store(false)
	if a.err != nil {
		if a.connect {
			time.Sleep(120 * time.Millisecond) // long enough to be seen live
		}
		return a.err
	}
	<-ctx.Done()
	return nil
}

func (o *scripted) Connected() bool { return o.connected.Load() }

// recorder collects state changes.
type recorder struct {
	mu     sync.Mutex
	states []State
}

func (r *recorder) on(st Status) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.states); n == 0 || r.states[n-1] != st.State {
		r.states = append(r.states, st.State)
	}
}

func (r *recorder) get() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

func fastAfter(time.Duration) <-chan time.Time { return time.After(time.Millisecond) }

var errRejected = errors.New("rejected: bad stream key")

func TestSupervisorStates(t *testing.T) {
	cases := []struct {
		name     string
		attempts []attempt
		stopAt   State // cancel once this state is reached; "" = wait for Run to end
		want     []State
		wantErr  error
	}{
		{"live then stopped", []attempt{{connect: true}}, StateLive, []State{StateLive, StateStopped}, nil},
		{"drop and reconnect", []attempt{{true, errors.New("broken pipe")}, {connect: true}}, "",
			[]State{StateLive, StateReconnecting, StateLive, StateStopped}, nil},
		{"permanent rejection", []attempt{{false, errRejected}}, "", []State{StateFailed}, errRejected},
		{"gives up", []attempt{{false, errors.New("refused")}, {false, errors.New("refused")}, {false, errors.New("refused")}}, "",
			[]State{StateReconnecting, StateFailed}, ErrGaveUp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := &scripted{attempts: tc.attempts}
			rec := &recorder{}
			sup := NewSupervisor(out, SupervisorOptions{
				MaxFailures: 3, After: fastAfter, OnChange: rec.on,
				Permanent: func(err error) bool { return errors.Is(err, errRejected) },
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- sup.Run(ctx) }()
			var err error
			if tc.stopAt == "" && tc.wantErr == nil {
				testutil.Eventually(t, 5*time.Second, "condition", func() bool { return len(rec.get()) >= len(tc.want)-1 })
				cancel()
			}
			if tc.stopAt != "" {
				testutil.Eventually(t, 5*time.Second, "condition", func() bool { return sup.Status().State == tc.stopAt })
				cancel()
			}
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("supervisor did not return")
			}
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if got := rec.get(); !equal(got, tc.want) {
				t.Errorf("states = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSupervisorStatusKeepsLastError(t *testing.T) {
	out := &scripted{attempts: []attempt{{false, errRejected}}}
	sup := NewSupervisor(out, SupervisorOptions{Permanent: func(error) bool { return true }, After: fastAfter})
	if err := sup.Run(context.Background()); err == nil {
		t.Fatal("want error")
	}
	st := sup.Status()
	if st.State != StateFailed || st.Error != errRejected.Error() {
		t.Errorf("status = %+v", st)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, w := range want {
		if got := DefaultBackoff.Delay(i + 1); got != w*time.Second {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Second)
		}
	}
}

func equal(a, b []State) bool {
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

// countingOutput counts the supervisor's calls to Connected.
type countingOutput struct {
	scripted
	calls atomic.Int64
}

func (o *countingOutput) Connected() bool {
	o.calls.Add(1)
	return o.scripted.Connected()
}

// TestSupervisorStopsPollingWhenLive: once a run is live, the supervisor
// no longer asks the output whether it is connected. Polling for the
// whole run woke the process 20 times a second per output.
func TestSupervisorStopsPollingWhenLive(t *testing.T) {
	out := &countingOutput{}
	sup := NewSupervisor(out, SupervisorOptions{After: fastAfter})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sup.Run(ctx) }()
	defer func() { cancel(); <-done }()
	testutil.Eventually(t, 5*time.Second, "live", func() bool { return sup.Status().State == StateLive })
	seen := out.calls.Load()
	// Six of the watcher's 50 ms periods: each would have called again.
	for end := time.Now().Add(300 * time.Millisecond); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if n := out.calls.Load(); n > seen+1 {
			t.Fatalf("Connected called %d times after the output went live", n-seen)
		}
	}
}
