package testutil

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Background is a Run(ctx) error loop that a test started in a
// goroutine.
type Background struct {
	cancel context.CancelFunc
	done   chan error
	limit  time.Duration
	once   sync.Once
}

// StartBackground runs run in a goroutine until Stop, which the test's
// cleanup calls too.
func StartBackground(t testing.TB, limit time.Duration, run func(context.Context) error) *Background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &Background{cancel: cancel, done: make(chan error, 1), limit: limit}
	go func() { b.done <- run(ctx) }()
	t.Cleanup(func() { b.Stop(t) })
	return b
}

// Stop cancels the loop's context and waits, at most the limit, for it
// to return; the test fails when it returns an error or does not return.
// Later calls do nothing.
func (b *Background) Stop(t testing.TB) {
	t.Helper()
	b.once.Do(func() {
		b.cancel()
		select {
		case err := <-b.done:
			if err != nil {
				t.Errorf("Run returned %v after cancel, want nil", err)
			}
		case <-time.After(b.limit):
			t.Errorf("Run did not return within %s of cancel", b.limit)
		}
	})
}
