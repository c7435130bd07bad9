// Package testutil holds the small helpers several packages' tests share:
// a TestMain that provides a temporary directory and checks for leaked
// goroutines, and a buffer that concurrent writers (loggers, processes)
// can share.
package testutil

import (
	"bytes"
	"fmt"
	"os"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// MainWithTempDir runs the tests with a fresh temporary directory (passed
// to use before they start, removed after), then fails the run if any
// goroutine leaked. Call it from TestMain; it does not return.
func MainWithTempDir(m *testing.M, prefix string, use func(dir string)) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	use(dir)
	code := m.Run()
	os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
