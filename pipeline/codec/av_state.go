package codec

import (
	"sync"

	"github.com/asticode/go-astiav"
)

// avState is what every decoder and encoder here holds of FFmpeg: the
// codec context with its packet and frame, behind a lock, and whether it
// is closed.
type avState struct {
	mu     sync.Mutex
	cc     *astiav.CodecContext
	pkt    *astiav.Packet
	frame  *astiav.Frame
	closed bool
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

// freeAV frees the frame, packet and codec context.
func (s *avState) freeAV() {
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
