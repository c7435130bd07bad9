package testutil

import (
	"net"
	"sync/atomic"
	"testing"
)

// CountingListener listens on 127.0.0.1 and counts the connections it
// accepts (and closes at once); cleanup stops it. It returns its address.
func CountingListener(t testing.TB) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String(), &n
}
