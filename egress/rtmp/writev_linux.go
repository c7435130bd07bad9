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

// vectorWriter writes a batch's pieces to a TCP connection with writev
// calls made as raw system calls. Go's own writev (net.Buffers) enters the
// scheduler's syscall state: a write to loopback or a fast link spends
// long enough in the kernel that the runtime's monitor thread takes the P
// away, and with a writev per output per frame that monitor then polls
// every 20 µs instead of backing off to 10 ms. In the fan-out bench it
// was a quarter of the serve process's CPU at 10 outputs. The socket is
// non-blocking, so a raw writev only copies into the socket buffer and
// never sleeps in the kernel; when the buffer is full (EAGAIN) the wait
// goes through the poller as any Go write does, under the connection's
// write deadline.
type vectorWriter struct {
	iov []syscall.Iovec // reused from write to write

	// The connection written last, its raw access and the callback given
	// to it, kept so that a write allocates nothing.
	conn net.Conn
	rc   syscall.RawConn
	fn   func(fd uintptr) bool

	// The state of the write in progress, for fn.
	vecs  []syscall.Iovec
	total int64
	err   error
}

// write writes every byte of bufs to c and returns how many it wrote.
// A connection without a file descriptor takes net.Buffers' path.
func (v *vectorWriter) write(c net.Conn, bufs [][]byte) (int64, error) {
	if c != v.conn {
		v.bind(c)
	}
	if v.rc == nil {
		nb := net.Buffers(bufs)
		return nb.WriteTo(c)
	}
	v.vecs, v.total, v.err = v.fill(bufs), 0, nil
	defer v.release()
	if err := v.rc.Write(v.fn); err != nil {
		return v.total, err
	}
	return v.total, v.err
}

// bind takes c's raw access, when it has one.
func (v *vectorWriter) bind(c net.Conn) {
	v.conn, v.rc = c, nil
	if sc, ok := c.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			v.rc = rc
		}
	}
	if v.fn == nil {
		v.fn = v.writeFD
	}
}

// writeFD writes the vectors left to fd; it returns false to wait until
// fd is writable (the connection's write deadline applies), true when
// done or failed.
func (v *vectorWriter) writeFD(fd uintptr) bool {
	for len(v.vecs) > 0 {
		k := min(len(v.vecs), maxIOV)
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&v.vecs[0])), uintptr(k))
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		default:
			v.err = os.NewSyscallError("writev", errno)
			return true
		}
		v.total += int64(n)
		v.vecs = advanceIOV(v.vecs, int(n))
	}
	return true
}

// fill points v's vectors at the non-empty pieces of bufs.
func (v *vectorWriter) fill(bufs [][]byte) []syscall.Iovec {
	v.iov = v.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		iv := syscall.Iovec{Base: &b[0]}
		iv.SetLen(len(b))
		v.iov = append(v.iov, iv)
	}
	return v.iov
}

// release drops the vectors' pointers, so that the shared chunks they
// pointed at are not kept alive until the next write.
func (v *vectorWriter) release() {
	clear(v.iov)
	v.vecs = nil
	if cap(v.iov) > 4*maxIOV {
		v.iov = nil
	}
}

// advanceIOV drops the first n bytes from vecs.
func advanceIOV(vecs []syscall.Iovec, n int) []syscall.Iovec {
	for n > 0 && len(vecs) > 0 {
		l := int(vecs[0].Len)
		if n < l {
			vecs[0].Base = (*byte)(unsafe.Add(unsafe.Pointer(vecs[0].Base), n))
			vecs[0].SetLen(l - n)
			return vecs
		}
		n -= l
		vecs = vecs[1:]
	}
	for len(vecs) > 0 && vecs[0].Len == 0 {
		vecs = vecs[1:]
	}
	return vecs
}
