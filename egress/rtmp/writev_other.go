//go:build !linux

package rtmp

import "net"

// vectorWriter writes a batch's pieces with net.Buffers (writev where the
// platform has it); see writev_linux.go for Linux.
type vectorWriter struct{}

func (v *vectorWriter) write(c net.Conn, bufs [][]byte) (int64, error) {
	nb := net.Buffers(bufs)
	return nb.WriteTo(c)
}
