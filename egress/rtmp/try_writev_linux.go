//go:build linux

package rtmp

import (
	"net"
	"os"
	"syscall"
	"unsafe"
)

// maxIOV is the most pieces one writev takes (Linux's IOV_MAX).
const maxIOV = 1024

// tryWriter writes what a TCP socket takes at once, without waiting for
// it to drain: the write of a WriteGroup, made by the fan-out's writer,
// which must never wait for one slow connection.
type tryWriter struct {
	rc  syscall.RawConn
	iov []syscall.Iovec
	fn  func(fd uintptr) bool
	// the write in progress, for fn
	n   int
	err error
}

// newTryWriter returns a tryWriter for c, or nil when c has no socket to
// write to without waiting (not a plain TCP connection).
func newTryWriter(c net.Conn) *tryWriter {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &tryWriter{rc: rc}
	w.fn = w.writev
	return w
}

// write writes a prefix of bufs, as long as the socket buffer takes, with
// one writev, and returns its length: 0 when the buffer is full.
func (w *tryWriter) write(bufs [][]byte) (int, error) {
	w.iov = w.iov[:0]
	for _, b := range bufs {
		if len(b) > 0 && len(w.iov) < maxIOV {
			iv := syscall.Iovec{Base: &b[0]}
			iv.SetLen(len(b))
			w.iov = append(w.iov, iv)
		}
	}
	if len(w.iov) == 0 {
		return 0, nil
	}
	w.n, w.err = 0, nil
	err := w.rc.Write(w.fn)
	clear(w.iov) // let go of the pieces
	if err != nil {
		return w.n, err
	}
	return w.n, w.err
}

// writev makes one attempt; it never asks the poller to wait.
func (w *tryWriter) writev(fd uintptr) bool {
	for {
		n, _, errno := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(len(w.iov)))
		switch errno {
		case 0:
			w.n = int(n)
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
		default:
			w.err = os.NewSyscallError("writev", errno)
		}
		return true
	}
}
