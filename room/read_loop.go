package room

import (
	"errors"
	"io"
	"net"
)

const (
	readBufferSize = 1500 // pion reads at most its receive MTU (1460) per packet
	// maxReadErrors consecutive read errors end a loop, in case an error
	// repeats without consuming a packet.
	maxReadErrors = 1000
)

// readLoop reads packets into one reused buffer and hands each to handle
// (which must copy what it keeps) until read reports that the stream is
// closed, or fails maxReadErrors times in a row. Other errors go to bad.
func readLoop(read func([]byte) (int, error), handle func([]byte), bad func(error)) {
	buf := make([]byte, readBufferSize)
	for failures := 0; failures < maxReadErrors; {
		n, err := read(buf)
		switch {
		case err == nil:
			failures = 0
			handle(buf[:n])
		case isClosedErr(err):
			return
		default:
			failures++
			bad(err)
		}
	}
}

// isClosedErr reports whether err means the stream or connection is gone.
func isClosedErr(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed)
}
