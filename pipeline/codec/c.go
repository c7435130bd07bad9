package codec

// Access to an AVFrame's planes, which go-astiav v0.16 can only copy out
// (and over-reads chroma planes while doing so). libswresample, which v0.16
// does not bind, is in swr.go. Everything else goes through astiav.

/*
#cgo pkg-config: libavutil
#include <libavutil/frame.h>
*/
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"
)

// cFrame is the AVFrame behind f.
func cFrame(f *astiav.Frame) *C.AVFrame {
	return (*C.AVFrame)(f.UnsafePointer())
}

// framePlane returns plane i of f, rows lines long, as a slice over C memory
// and its stride. The slice is valid while f holds its buffer: copy, never
// keep.
func framePlane(f *astiav.Frame, i, rows int) ([]byte, int) {
	cf := cFrame(f)
	stride := int(cf.linesize[i])
	if cf.data[i] == nil || stride <= 0 || rows <= 0 {
		return nil, 0
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(cf.data[i])), stride*rows), stride
}

// audioPlane returns channel ch of a planar float frame of n samples.
func audioPlane(f *astiav.Frame, ch, n int) []float32 {
	cf := cFrame(f)
	return unsafe.Slice((*float32)(unsafe.Pointer(cf.data[ch])), n)
}

// makeWritable gives f a buffer of its own (av_frame_make_writable), so a
// reused frame never writes into one an encoder still references.
func makeWritable(f *astiav.Frame) error {
	if ret := C.av_frame_make_writable(cFrame(f)); ret < 0 {
		return astiav.Error(int(ret))
	}
	return nil
}
