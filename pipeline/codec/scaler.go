package codec

import (
	"fmt"
	"sync"

	"github.com/asticode/go-astiav"
)

// Fit says how a Scaler maps a picture of another aspect ratio.
type Fit int

// Fits.
const (
	// FitContain keeps the aspect ratio and fills the rest with black bars
	// (letterbox or pillarbox). The zero value.
	FitContain Fit = iota
	// FitCover keeps the aspect ratio and crops what overflows, centred:
	// for tiles of a grid layout.
	FitCover
	// FitStretch scales to the target size, ignoring the aspect ratio.
	FitStretch
)

// Scaler scales VideoFrames of any size to one target size (libswscale,
// bilinear). Its scale context is rebuilt only when the input size
// changes, so a stream may change resolution mid-way.
type Scaler struct {
	mu            sync.Mutex
	width, height int
	fit           Fit
	sws           *astiav.SoftwareScaleContext
	src, dst      *astiav.Frame
	in            scaleGeometry // what sws, src and dst were built for
	closed        bool
}

// NewScaler returns a Scaler to width×height, both even, with fit.
func NewScaler(width, height int, fit Fit) (*Scaler, error) {
	if width <= 0 || height <= 0 || width%2 != 0 || height%2 != 0 || width > maxDimension || height > maxDimension {
		return nil, fmt.Errorf("new scaler %dx%d: %w: size must be even and positive", width, height, ErrInvalidConfig)
	}
	if fit < FitContain || fit > FitStretch {
		return nil, fmt.Errorf("new scaler: %w: fit %d", ErrInvalidConfig, fit)
	}
	return &Scaler{width: width, height: height, fit: fit}, nil
}

// Scale returns a new width×height frame with f's picture and PTS. A frame
// already of the target size is copied.
func (s *Scaler) Scale(f *VideoFrame) (*VideoFrame, error) {
	out := NewVideoFrame(s.width, s.height)
	if err := s.ScaleInto(out, 0, 0, f); err != nil {
		return nil, err
	}
	out.PTS = f.PTS
	return out, nil
}

// ensure builds the scale context and frames for g unless they match.
func (s *Scaler) ensure(g scaleGeometry) error {
	if s.sws != nil && s.in.srcW == g.srcW && s.in.srcH == g.srcH && s.in.dstW == g.dstW && s.in.dstH == g.dstH {
		return nil
	}
	s.free()
	var err error
	if s.src, err = allocVideoFrame(g.srcW, g.srcH); err != nil {
		return err
	}
	if s.dst, err = allocVideoFrame(g.dstW, g.dstH); err != nil {
		s.free()
		return err
	}
	s.sws, err = astiav.CreateSoftwareScaleContext(g.srcW, g.srcH, astiav.PixelFormatYuv420P,
		g.dstW, g.dstH, astiav.PixelFormatYuv420P,
		astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
	if err != nil {
		s.free()
		return fmt.Errorf("sws context: %w", err)
	}
	s.in = g
	return nil
}

// Close frees the Scaler. It is idempotent.
func (s *Scaler) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.free()
}

func (s *Scaler) free() {
	if s.sws != nil {
		s.sws.Free()
		s.sws = nil
	}
	for _, f := range []**astiav.Frame{&s.src, &s.dst} {
		if *f != nil {
			(*f).Free()
			*f = nil
		}
	}
}

// copyRegion copies the w×h region at (sx, sy) of src to (dx, dy) of dst;
// all offsets even.
func copyRegion(dst *VideoFrame, dx, dy int, src *VideoFrame, sx, sy, w, h int) {
	cw, ch := chromaSize(w, h)
	copyPlane(dst.Y[dy*dst.StrideY+dx:], dst.StrideY, src.Y[sy*src.StrideY+sx:], src.StrideY, w, h)
	copyPlane(dst.U[dy/2*dst.StrideU+dx/2:], dst.StrideU, src.U[sy/2*src.StrideU+sx/2:], src.StrideU, cw, ch)
	copyPlane(dst.V[dy/2*dst.StrideV+dx/2:], dst.StrideV, src.V[sy/2*src.StrideV+sx/2:], src.StrideV, cw, ch)
}

// ScaleInto draws f into the width×height box at (x, y) of dst, x and y
// even, with the Scaler's fit: where FitContain leaves bars, dst keeps
// what it held (the caller's background). Unlike Scale it allocates
// nothing once its scale context is built, which is what a compositor
// drawing many tiles per frame needs.
func (s *Scaler) ScaleInto(dst *VideoFrame, x, y int, f *VideoFrame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fmt.Errorf("scale: %w", ErrClosed)
	}
	if err := f.Validate(); err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	if err := dst.Validate(); err != nil {
		return fmt.Errorf("scale: destination: %w", err)
	}
	if x < 0 || y < 0 || x%2 != 0 || y%2 != 0 || x+s.width > dst.Width || y+s.height > dst.Height {
		return fmt.Errorf("scale: %w: box %dx%d at (%d,%d) outside the %dx%d frame or odd", ErrInvalidInput, s.width, s.height, x, y, dst.Width, dst.Height)
	}
	g := fitGeometry(f.Width, f.Height, s.width, s.height, s.fit)
	if g.srcW == g.dstW && g.srcH == g.dstH {
		copyRegion(dst, x+g.dstX, y+g.dstY, f, g.srcX, g.srcY, g.srcW, g.srcH)
		return nil
	}
	if err := s.ensure(g); err != nil {
		return fmt.Errorf("scale %dx%d to %dx%d: %w", f.Width, f.Height, s.width, s.height, err)
	}
	if err := f.copyToC(s.src, g.srcX, g.srcY, g.srcW, g.srcH); err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	if err := makeWritable(s.dst); err != nil {
		return fmt.Errorf("scale: frame writable: %w", err)
	}
	if err := s.sws.ScaleFrame(s.src, s.dst); err != nil {
		return fmt.Errorf("scale %dx%d to %dx%d: %w", g.srcW, g.srcH, g.dstW, g.dstH, err)
	}
	dst.copyFromC(s.dst, x+g.dstX, y+g.dstY)
	return nil
}
