package codec

import (
	"sync"

	"github.com/asticode/go-astiav"
)

// avState is what every decoder and encoder here holds of FFmpeg: the
// codec context with its packet and frame, behind a lock, and whether it
// is closed.
type avState struct {
	mu sync.Mutex
	avCodec
	closed bool
}

// avCodec is an FFmpeg codec context with its packet and frame.
type avCodec struct {
	cc    *astiav.CodecContext
	pkt   *astiav.Packet
	frame *astiav.Frame
}

// closeOnce marks the state closed and runs free the first time; later
// calls do nothing.
func (s *avState) closeOnce(free func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		free()
	}
}

// freeAV frees the frame, packet and codec context; any may be nil.
func (s *avCodec) freeAV() {
	if s.frame != nil {
		s.frame.Free()
		s.frame = nil
	}
	if s.pkt != nil {
		s.pkt.Free()
		s.pkt = nil
	}
	if s.cc != nil {
		s.cc.Free()
		s.cc = nil
	}
}
