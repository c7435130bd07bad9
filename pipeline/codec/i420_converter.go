package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"
)

// i420Converter converts decoded frames of other pixel formats (H.264
// 4:2:2 or 4:4:4, 10-bit, full range…) to limited-range I420 of the same
// size. Its scale context and
// frame are reused while the input format and size stay the same.
type i420Converter struct {
	sws    *astiav.SoftwareScaleContext
	dst    *astiav.Frame
	w, h   int
	format astiav.PixelFormat
}

func (c *i420Converter) convert(src *astiav.Frame, pts time.Duration) (*VideoFrame, error) {
	w, h, format := src.Width(), src.Height(), src.PixelFormat()
	if c.sws == nil || c.w != w || c.h != h || c.format != format {
		c.free()
		sws, err := astiav.CreateSoftwareScaleContext(w, h, format, w, h, astiav.PixelFormatYuv420P,
			astiav.NewSoftwareScaleContextFlags(astiav.SoftwareScaleContextFlagBilinear))
		if err != nil {
			return nil, fmt.Errorf("convert %s to yuv420p: %w", format, err)
		}
		c.sws, c.w, c.h, c.format = sws, w, h, format
		if c.dst, err = allocVideoFrame(w, h); err != nil {
			c.free()
			return nil, err
		}
	}
	if err := makeWritable(c.dst); err != nil {
		return nil, fmt.Errorf("frame writable: %w", err)
	}
	if err := c.sws.ScaleFrame(src, c.dst); err != nil {
		return nil, fmt.Errorf("convert %s to yuv420p: %w", format, err)
	}
	return videoFrameFromC(c.dst, pts), nil
}

func (c *i420Converter) free() {
	if c.sws != nil {
		c.sws.Free()
		c.sws = nil
	}
	if c.dst != nil {
		c.dst.Free()
		c.dst = nil
	}
}

// allocVideoFrame returns a YUV420P frame of w×h with its buffer.
func allocVideoFrame(w, h int) (*astiav.Frame, error) {
	f := astiav.AllocFrame()
	if f == nil {
		return nil, fmt.Errorf("alloc frame: %w", errNoMemory)
	}
	f.SetWidth(w)
	f.SetHeight(h)
	f.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := f.AllocBuffer(0); err != nil {
		f.Free()
		return nil, fmt.Errorf("alloc %dx%d frame buffer: %w", w, h, err)
	}
	return f, nil
}
