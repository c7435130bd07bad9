package testutil

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestEventuallyReturnsWhenCondHolds(t *testing.T) {
	var n atomic.Int32
	Eventually(t, 5*time.Second, "third check", func() bool { return n.Add(1) >= 3 })
	if got := n.Load(); got != 3 {
		t.Errorf("cond checked %d times, want 3", got)
	}
}

// fakeTB records Fatalf instead of stopping the goroutine's test.
type fakeTB struct {
	testing.TB
	failed string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed = format
	panic(f)
}

func TestEventuallyFailsAfterWithin(t *testing.T) {
	f := &fakeTB{}
	func() {
		defer func() {
			if r := recover(); r != f {
				panic(r)
			}
		}()
		Eventually(f, 20*time.Millisecond, "never", func() bool { return false })
	}()
	if f.failed == "" {
		t.Error("Eventually did not fail on a condition that never holds")
	}
}
