package rtc

import (
	"errors"
	"io"
	"net"

	"github.com/pion/ice/v2"
	"github.com/pion/webrtc/v3"
)

// WithSharedUDPMux returns a copy of o whose APIs, and those of its
// copies, share one ICE UDP mux on o.UDPConn; o itself is returned when
// UDPConn is nil. Use it when several APIs serve one socket (the room
// builds one for publishers and one for subscribers). The mux starts
// reading the socket at once.
func (o Options) WithSharedUDPMux() Options {
	if o.UDPConn != nil && o.udpMux == nil {
		o.udpMux = newUDPMux(o.UDPConn)
	}
	return o
}

// mux returns the ICE UDP mux of the Options: the shared one, else a new
// one on UDPConn, else nil.
func (o Options) mux() ice.UDPMux {
	switch {
	case o.udpMux != nil:
		return o.udpMux
	case o.UDPConn != nil:
		return newUDPMux(o.UDPConn)
	}
	return nil
}

// newUDPMux starts pion's mux on conn. Its read loop ends when conn is
// closed.
func newUDPMux(conn net.PacketConn) ice.UDPMux {
	return webrtc.NewICEUDPMux(nil, closedAsEOF{conn})
}

// closedAsEOF reports reads from a closed socket as io.EOF, which pion's
// mux takes as the normal end of its read loop instead of logging an
// error each time the owner closes the socket.
type closedAsEOF struct{ net.PacketConn }

func (c closedAsEOF) ReadFrom(b []byte) (int, net.Addr, error) {
	n, addr, err := c.PacketConn.ReadFrom(b)
	if errors.Is(err, net.ErrClosed) {
		err = io.EOF
	}
	return n, addr, err
}
