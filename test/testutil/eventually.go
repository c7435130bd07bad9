package testutil

import (
	"testing"
	"time"
)

// maxPollInterval caps the pause between two checks of an Eventually
// condition.
const maxPollInterval = 50 * time.Millisecond

// Eventually polls cond until it holds, and fails the test when within
// passes first. The pause between checks starts at 1 ms and doubles up to
// 50 ms, so that quick conditions are seen at once and slow ones (an HTTP
// request, a file scan) are not checked in a busy loop.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	pause := time.Millisecond
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(pause)
		pause = min(2*pause, maxPollInterval)
	}
}
