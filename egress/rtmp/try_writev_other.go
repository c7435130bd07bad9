//go:build !linux

package rtmp

import "net"

// tryWriter is Linux's; elsewhere every output writes from its own
// goroutine.
type tryWriter struct{}

func newTryWriter(net.Conn) *tryWriter { return nil }

func (w *tryWriter) write([][]byte) (int, error) { return 0, nil }
