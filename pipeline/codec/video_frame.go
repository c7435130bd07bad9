package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"
)

// VideoFrame is one picture in planar YUV 4:2:0 (I420, BT.601 limited
// range) held in Go memory. The chroma planes are (Width+1)/2 by
// (Height+1)/2. A frame owns its planes: hand it to another goroutine and
// stop using it.
type VideoFrame struct {
	Width, Height int
	PTS           time.Duration // on the clock of the units it came from
	Y, U, V       []byte
	// Strides are the bytes from one row to the next in each plane.
	StrideY, StrideU, StrideV int
}

// Black levels of limited-range YUV.
const (
	blackY      = 16
	blackChroma = 128
)

// NewVideoFrame returns a black width×height frame with tight strides.
func NewVideoFrame(width, height int) *VideoFrame {
	f := newUnfilledFrame(width, height)
	fill(f.Y, blackY)
	fill(f.U, blackChroma)
	fill(f.V, blackChroma)
	return f
}

// newUnfilledFrame returns a width×height frame with tight strides whose
// planes the caller fills entirely. One buffer holds the three planes.
func newUnfilledFrame(width, height int) *VideoFrame {
	cw, ch := chromaSize(width, height)
	buf := make([]byte, width*height+2*cw*ch)
	y, u := width*height, width*height+cw*ch
	return &VideoFrame{
		Width: width, Height: height,
		Y: buf[:y:y], U: buf[y:u:u], V: buf[u:],
		StrideY: width, StrideU: cw, StrideV: cw,
	}
}

// chromaSize is the size of a 4:2:0 chroma plane.
func chromaSize(width, height int) (int, int) {
	return (width + 1) / 2, (height + 1) / 2
}

// fill sets every byte of b to v.
func fill(b []byte, v byte) {
	if len(b) == 0 {
		return
	}
	b[0] = v
	for n := 1; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}

// Validate reports whether the planes hold Width×Height at their strides.
func (f *VideoFrame) Validate() error {
	if f == nil {
		return fmt.Errorf("%w: nil video frame", ErrInvalidInput)
	}
	if f.Width <= 0 || f.Height <= 0 || f.Width > maxDimension || f.Height > maxDimension {
		return fmt.Errorf("%w: video frame size %dx%d", ErrInvalidInput, f.Width, f.Height)
	}
	cw, ch := chromaSize(f.Width, f.Height)
	if !planeFits(f.Y, f.StrideY, f.Width, f.Height) || !planeFits(f.U, f.StrideU, cw, ch) || !planeFits(f.V, f.StrideV, cw, ch) {
		return fmt.Errorf("%w: video frame %dx%d planes too small for their strides", ErrInvalidInput, f.Width, f.Height)
	}
	return nil
}

// maxDimension bounds frame sizes (FFmpeg's own limit is 16384 for H.264).
const maxDimension = 8192

// planeFits reports whether p holds rows of width bytes every stride bytes.
func planeFits(p []byte, stride, width, rows int) bool {
	return stride >= width && len(p) >= stride*(rows-1)+width
}

// copyPlane copies rows of width bytes between planes of different strides.
func copyPlane(dst []byte, dstStride int, src []byte, srcStride, width, rows int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*dstStride:r*dstStride+width], src[r*srcStride:r*srcStride+width])
	}
}

// videoFrameFromC copies a YUV420P AVFrame into Go memory.
func videoFrameFromC(src *astiav.Frame, pts time.Duration) *VideoFrame {
	f := newUnfilledFrame(src.Width(), src.Height()) // every byte is copied over
	f.PTS = pts
	f.copyFromC(src, 0, 0)
	return f
}

// copyFromC copies all of src, a YUV420P AVFrame, to (x, y) of f, x and
// y even; it must fit.
func (f *VideoFrame) copyFromC(src *astiav.Frame, x, y int) {
	w, h := src.Width(), src.Height()
	cw, ch := chromaSize(w, h)
	sy, ssy := framePlane(src, 0, h)
	su, ssu := framePlane(src, 1, ch)
	sv, ssv := framePlane(src, 2, ch)
	copyPlane(f.Y[y*f.StrideY+x:], f.StrideY, sy, ssy, w, h)
	copyPlane(f.U[y/2*f.StrideU+x/2:], f.StrideU, su, ssu, cw, ch)
	copyPlane(f.V[y/2*f.StrideV+x/2:], f.StrideV, sv, ssv, cw, ch)
}

// copyToC copies the region (x, y, w, h) of f, x and y even, into dst, a
// YUV420P frame of size w×h with its buffer allocated.
func (f *VideoFrame) copyToC(dst *astiav.Frame, x, y, w, h int) error {
	if err := makeWritable(dst); err != nil {
		return fmt.Errorf("frame writable: %w", err)
	}
	cw, ch := chromaSize(w, h)
	dy, sy := framePlane(dst, 0, h)
	du, su := framePlane(dst, 1, ch)
	dv, sv := framePlane(dst, 2, ch)
	copyPlane(dy, sy, f.Y[y*f.StrideY+x:], f.StrideY, w, h)
	copyPlane(du, su, f.U[y/2*f.StrideU+x/2:], f.StrideU, cw, ch)
	copyPlane(dv, sv, f.V[y/2*f.StrideV+x/2:], f.StrideV, cw, ch)
	return nil
}
